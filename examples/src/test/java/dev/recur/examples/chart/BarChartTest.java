package dev.recur.examples.chart;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.recur.examples.chart.ChartTest.count;
import static dev.recur.examples.chart.ChartTest.isPowerOfTen;
import static dev.recur.examples.chart.ChartTest.parse;
import static dev.recur.examples.chart.ChartTest.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BarChartTest {
    @TempDir
    Path dir;

    static BarChart peers() {
        return BarChart.grouped("Forward, B=32, T=128, H=256").xLabel("model").yLabel("ms")
                .categories("RNN", "LSTM", "GRU")
                .series("Recur cpu", 1.2, 3.4, 2.9)
                .series("libtorch", 1.0, 2.8, 2.5)
                .series("ONNX Runtime", 1.1, 3.0, 2.7);
    }

    @Test
    void svgHasOneBarPerCategoryAndSeriesAndItsLabels() throws Exception {
        Path svg = dir.resolve("peers.svg");
        peers().writeSvg(svg);
        Document doc = parse(Files.readString(svg));
        assertEquals(9, count(doc, "rect", "bar"));
        assertEquals(List.of("RNN", "LSTM", "GRU"), texts(doc, "tick x"));
        assertEquals(List.of("Recur cpu", "libtorch", "ONNX Runtime"), texts(doc, "legend-label"));
        assertEquals(List.of("model"), texts(doc, "axis-label x"));
        assertEquals(List.of("ms"), texts(doc, "axis-label y"));
        assertEquals("0", texts(doc, "tick y").get(0), "a linear bar axis starts at 0");
    }

    @Test
    void logAxisTicksArePowersOfTenAndNegativeBarsGetAZeroLine() throws Exception {
        Document log = parse(BarChart.grouped("tokens/s").logY().categories("B=1", "B=32", "B=256")
                .series("LSTM", 900, 21_000, 140_000).series("Transformer", 400, 30_000, 500_000).toSvg(900, 600));
        List<String> ticks = texts(log, "tick y");
        assertTrue(ticks.size() >= 3, ticks.toString());
        ticks.forEach(t -> assertTrue(isPowerOfTen(t), t + " in " + ticks));

        Document neg = parse(BarChart.grouped("delta").categories("a", "b").series("s", -2, 3).toSvg(900, 600));
        assertEquals(1, count(neg, "line", "zero-line"));
    }

    @Test
    void longCategoryNamesAreSlantedAndStillParse() throws Exception {
        String svg = BarChart.grouped("ratio").categories("LSTM forward B=1 T=128 H=128",
                        "LSTM forward B=32 T=128 H=256", "LSTM forward B=64 T=256 H=512",
                        "GRU forward B=1 T=128 H=128", "GRU forward B=32 T=128 H=256")
                .series("Recur / libtorch", 1.1, 0.9, 1.3, 1.0, 0.8).toSvg(900, 600);
        Document doc = parse(svg);
        assertEquals(5, texts(doc, "tick x").size());
        assertTrue(svg.contains("rotate(-35"), "long labels are slanted");
        String shortNames = BarChart.grouped("ratio").categories("RNN", "LSTM").series("r", 1, 2).toSvg(900, 600);
        assertTrue(!shortNames.contains("rotate(-35"), "short labels are not slanted");
    }

    @Test
    void pngDecodesAtTheRequestedSizeAndIsNotBlank() throws IOException {
        Path png = dir.resolve("peers.png");
        peers().writePng(png, 800, 500);
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(800, image.getWidth());
        assertEquals(500, image.getHeight());
        int orange = 0;
        int differing = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y) & 0xffffff;
                differing += rgb != 0xffffff ? 1 : 0;
                orange += rgb == 0xff7f0e ? 1 : 0;
            }
        }
        assertTrue(differing > 800 * 500 / 20, differing + " pixels differ from white");
        assertTrue(orange > 1000, "the second series' bars cover " + orange + " pixels");
    }

    @Test
    void rejectsBadData() {
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> BarChart.grouped("b").categories("x", "y").series("LSTM", 1, Double.NaN)).getMessage()
                .contains("series \"LSTM\", value 1 (category \"y\") is NaN"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> BarChart.grouped("b").categories("x", "y").series("GRU", 1, 2, 3)).getMessage()
                .contains("series \"GRU\" has 3 values but there are 2 categories"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> BarChart.grouped("b").series("GRU", 1, 2, 3).categories("x", "y")).getMessage()
                .contains("series \"GRU\" has 3 values"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> BarChart.grouped("b").logY().categories("x", "y").series("RNN", 1, -2)).getMessage()
                .contains("series \"RNN\", value 1 (category \"y\") is -2.0; it must be > 0 on a log10 y axis"));
        assertThrows(IllegalArgumentException.class, () -> BarChart.grouped("b").series("e"));
        assertThrows(IllegalStateException.class, () -> BarChart.grouped("b").series("a", 1).toSvg(900, 600));
        assertThrows(IllegalStateException.class, () -> BarChart.grouped("b").categories("x").toSvg(900, 600));
    }
}
