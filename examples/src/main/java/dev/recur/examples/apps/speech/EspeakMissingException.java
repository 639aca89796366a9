package dev.recur.examples.apps.speech;

import java.io.IOException;

/**
 * {@code espeak-ng} could not be started: the message names the Debian package and the project's install script.
 * An {@link IOException}, so the command line reports it like any other failure to get an example's data.
 */
public final class EspeakMissingException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The binary {@code binary} could not be run. */
    public EspeakMissingException(String binary, Throwable cause) {
        super(message(binary), cause);
    }

    static String message(String binary) {
        return "cannot run `" + binary + "`: the speech example synthesises its spoken digits with espeak-ng, "
                + "which is not installed (or not on the PATH). Install the Debian/Ubuntu package espeak-ng: run "
                + "tools/install-espeak-ng.sh (as root, or with sudo; it runs apt-get install -y espeak-ng), or "
                + "`sudo apt-get install espeak-ng` yourself, then try again.";
    }
}
