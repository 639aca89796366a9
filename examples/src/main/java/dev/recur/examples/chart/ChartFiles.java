package dev.recur.examples.chart;

import dev.recur.io.AtomicFiles;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Consumer;

/** Rendering to SVG text and PNG bytes, and atomic file writes, shared by the chart types. */
final class ChartFiles {
    static final int DEFAULT_WIDTH = 900;
    static final int DEFAULT_HEIGHT = 600;
    private static final int MIN_SIZE = 100;
    private static final int MAX_SIZE = 16_384;

    private ChartFiles() {
    }

    static void checkSize(String chart, int w, int h) {
        if (w < MIN_SIZE || h < MIN_SIZE || w > MAX_SIZE || h > MAX_SIZE) {
            throw new IllegalArgumentException(String.format("chart \"%s\": size must be %d to %d px each way, "
                    + "got %d x %d", chart, MIN_SIZE, MAX_SIZE, w, h));
        }
    }

    static String svg(String title, int w, int h, Consumer<Canvas> draw) {
        SvgCanvas c = new SvgCanvas(w, h, title);
        draw.accept(c);
        return c.finish();
    }

    /**
     * PNG bytes. Sets {@code java.awt.headless=true} first unless the property is already set, so that this works
     * on servers and in CI without a display.
     */
    static byte[] png(int w, int h, Consumer<Canvas> draw) throws IOException {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            draw.accept(new PngCanvas(g));
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        if (!ImageIO.write(image, "png", bytes)) {
            throw new IOException("no PNG writer in this JDK's ImageIO");
        }
        return bytes.toByteArray();
    }

    static void writeSvg(Path path, String svg) throws IOException {
        writeAtomically(path, svg.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Writes {@code bytes} to a temporary file next to {@code path}, forces it to disk and renames it over
     * {@code path} ({@code ATOMIC_MOVE}, else {@code REPLACE_EXISTING}); on failure the temporary file is removed
     * and an existing file at {@code path} is left as it was. Creates missing parent folders.
     */
    static void writeAtomically(Path path, byte[] bytes) throws IOException {
        Objects.requireNonNull(path, "path");
        AtomicFiles.write(path, bytes);
    }
}
