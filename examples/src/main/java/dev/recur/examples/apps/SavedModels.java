package dev.recur.examples.apps;

import dev.recur.io.Safetensors;
import dev.recur.io.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Reading back the model folder an example saved: its files checked, its weights' format tag checked. */
public final class SavedModels {
    private SavedModels() {
    }

    /**
     * Reads {@code dir/weightsFile} after checking that it and every one of {@code otherFiles} exist, and that
     * its metadata says {@code format=FORMAT}.
     *
     * @param example the example's name, for the message that says how to make the model
     * @throws IOException naming the missing file and the command that makes it, or the wrong format
     */
    public static SafetensorsFile read(Path dir, String example, String format, String weightsFile,
                                       String... otherFiles) throws IOException {
        Path weights = dir.resolve(weightsFile);
        for (String name : prepend(weightsFile, otherFiles)) {
            if (!Files.isRegularFile(dir.resolve(name))) {
                throw new IOException("no trained " + example + " model at " + dir.toAbsolutePath() + " (" + name
                        + " is missing); train one with: ./recur example " + example);
            }
        }
        SafetensorsFile file = Safetensors.read(weights);
        Map<String, String> meta = file.metadata();
        if (meta == null || !format.equals(meta.get("format"))) {
            throw new IOException(weights + ": expected metadata format=" + format + ", got "
                    + (meta == null ? "none" : meta.get("format")));
        }
        return file;
    }

    private static String[] prepend(String first, String[] rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }
}
