/**
 * Reporting for long loops: {@link dev.recur.report.ProgressBar} (a one-line progress display on a terminal,
 * throttled plain lines in CI logs) and {@link dev.recur.report.MetricsLog} (per-step metrics to SLF4J, CSV and
 * JSON lines, flushed every record). Nothing here depends on anything beyond slf4j-api and gson.
 */
package dev.recur.report;
