package dev.recur.examples.chart;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChartTest {
    static final double[] T = {16, 64, 256, 1024, 4096};

    @TempDir
    Path dir;

    static Chart latency() {
        return Chart.line("Latency vs T").xLabel("T (time steps)").yLabel("ms per batch").logX().logY().markers()
                .series("LSTM", T, new double[] {0.9, 3.4, 13.1, 52.0, 210.0})
                .series("GRU", T, new double[] {0.8, 2.9, 11.0, 44.0, 178.0})
                .series("Transformer", T, new double[] {0.5, 2.2, 16.0, 190.0, 2900.0});
    }

    static Document parse(String xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    /** The text of every {@code <text>} whose class is {@code cls}. */
    static List<String> texts(Document doc, String cls) {
        List<String> out = new ArrayList<>();
        NodeList nodes = doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", "text");
        for (int i = 0; i < nodes.getLength(); i++) {
            Element e = (Element) nodes.item(i);
            if (e.getAttribute("class").equals(cls)) {
                out.add(e.getTextContent());
            }
        }
        return out;
    }

    static int count(Document doc, String tag, String cls) {
        NodeList nodes = doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", tag);
        int n = 0;
        for (int i = 0; i < nodes.getLength(); i++) {
            if (((Element) nodes.item(i)).getAttribute("class").equals(cls)) {
                n++;
            }
        }
        return n;
    }

    static boolean isPowerOfTen(String label) {
        double v = Double.parseDouble(label);
        double k = Math.log10(v);
        return v > 0 && Math.abs(k - Math.rint(k)) < 1e-12;
    }

    @Test
    void svgParsesAndHasSeriesAxisLabelsAndPowerOfTenTicksOnLogAxes() throws Exception {
        Path svg = dir.resolve("out/latency.svg");
        latency().writeSvg(svg);
        Document doc = parse(Files.readString(svg));
        Element root = doc.getDocumentElement();
        assertEquals("svg", root.getLocalName());
        assertEquals("900", root.getAttribute("width"));
        assertEquals(List.of("LSTM", "GRU", "Transformer"), texts(doc, "legend-label"));
        assertEquals(List.of("T (time steps)"), texts(doc, "axis-label x"));
        assertEquals(List.of("ms per batch"), texts(doc, "axis-label y"));
        assertEquals(List.of("Latency vs T"), texts(doc, "title"));

        List<String> xTicks = texts(doc, "tick x");
        List<String> yTicks = texts(doc, "tick y");
        assertEquals(List.of("100", "1000"), xTicks, "x spans 16..4096");
        assertTrue(yTicks.containsAll(List.of("1", "10", "100", "1000")), yTicks.toString());
        for (String t : Stream.concat(xTicks.stream(), yTicks.stream()).toList()) {
            assertTrue(isPowerOfTen(t), "log-axis tick " + t + " is not a power of ten");
        }
        assertEquals(3, count(doc, "polyline", "series-line"));
        assertEquals(3 * T.length + 3, doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", "circle")
                .getLength() + count(doc, "polygon", "series-marker") + count(doc, "polygon", "legend-swatch"));
    }

    @Test
    void linearAxesGetNiceEvenlySpacedTicks() throws Exception {
        String svg = Chart.line("loss").xLabel("step").yLabel("loss")
                .series("train", new double[] {0, 100, 200, 300, 437}, new double[] {2.31, 1.2, 0.73, 0.52, 0.433})
                .toSvg(800, 500);
        Document doc = parse(svg);
        for (List<String> ticks : List.of(texts(doc, "tick x"), texts(doc, "tick y"))) {
            assertTrue(ticks.size() >= 3, ticks.toString());
            double step = Double.parseDouble(ticks.get(1)) - Double.parseDouble(ticks.get(0));
            double mantissa = step / Math.pow(10, Math.floor(Math.log10(step)));
            assertTrue(Math.abs(mantissa - 1) < 1e-9 || Math.abs(mantissa - 2) < 1e-9
                    || Math.abs(mantissa - 5) < 1e-9, "step " + step + " in " + ticks);
            for (int i = 1; i < ticks.size(); i++) {
                assertEquals(step, Double.parseDouble(ticks.get(i)) - Double.parseDouble(ticks.get(i - 1)), 1e-9,
                        ticks.toString());
                assertTrue(ticks.get(i).length() <= 6, "short label: " + ticks);
            }
            assertTrue(Double.parseDouble(ticks.get(0)) <= 0.433, ticks.toString());
        }
        assertEquals(List.of("0", "100", "200", "300", "400", "500"), texts(doc, "tick x"));
        assertEquals(List.of("0", "0.5", "1", "1.5", "2", "2.5"), texts(doc, "tick y"));
    }

    @Test
    void labelsAreEscapedAndTheSvgStillParses() throws Exception {
        String name = "a<b & \"c\" 'd' \u0001>";
        Document doc = parse(Chart.scatter("x < y & z").xLabel("<x>").yLabel("y&")
                .series(name, new double[] {1, 2}, new double[] {3, 4}).toSvg(600, 400));
        assertEquals(List.of("a<b & \"c\" 'd' \ufffd>"), texts(doc, "legend-label"));
        assertEquals(List.of("x < y & z"), texts(doc, "title"));
        assertEquals(List.of("<x>"), texts(doc, "axis-label x"));
    }

    @Test
    void pngDecodesAtTheRequestedSizeAndIsNotBlank() throws IOException {
        Path png = dir.resolve("latency.png");
        latency().writePng(png, 900, 600);
        assertEquals("true", System.getProperty("java.awt.headless"));
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(900, image.getWidth());
        assertEquals(600, image.getHeight());
        int background = image.getRGB(0, 0) & 0xffffff;
        assertEquals(0xffffff, background);
        int differing = 0;
        int lstmBlue = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y) & 0xffffff;
                if (rgb != background) {
                    differing++;
                }
                if (rgb == 0x1f77b4) {
                    lstmBlue++;
                }
            }
        }
        assertTrue(differing > 900 * 600 / 100, "only " + differing + " pixels differ from the background");
        assertTrue(lstmBlue > 50, "the first series' colour appears on " + lstmBlue + " pixels");

        Chart.line("small").series("s", new double[] {1, 2, 3}, new double[] {3, 1, 2}).writePng(png, 320, 200);
        BufferedImage small = ImageIO.read(png.toFile());
        assertEquals(320, small.getWidth());
        assertEquals(200, small.getHeight());
    }

    @Test
    void writesReplaceTheFileAtomicallyAndLeaveNoTemporaryFiles() throws IOException {
        Path svg = dir.resolve("c.svg");
        Files.writeString(svg, "old");
        latency().writeSvg(svg).writePng(dir.resolve("c.png"), 600, 400);
        assertTrue(Files.readString(svg).startsWith("<?xml"));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("c.png", "c.svg"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        Path folder = Files.createDirectory(dir.resolve("taken"));
        Files.writeString(folder.resolve("keep"), "x");
        assertThrows(IOException.class, () -> latency().writeSvg(folder));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(3, files.count(), "a failed write leaves no temporary file behind");
        }
    }

    @Test
    void rejectsBadDataNamingTheSeriesAndThePoint() {
        double[] xs = {1, 2, 3};
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> Chart.line("c").series("LSTM", xs, new double[] {1, Double.NaN, 3}));
        assertTrue(nan.getMessage().contains("series \"LSTM\", point 1 (x=2.0, y=NaN): y is NaN"), nan.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Chart.line("c").series("inf", new double[] {Double.POSITIVE_INFINITY}, new double[] {1}))
                .getMessage().contains("x is Infinity"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Chart.line("c").series("GRU", new double[0], new double[0])).getMessage()
                .contains("series \"GRU\" is empty"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Chart.line("c").series("GRU", xs, new double[] {1, 2})).getMessage()
                .contains("xs has 3 points but ys has 2"));
        IllegalArgumentException log = assertThrows(IllegalArgumentException.class,
                () -> Chart.line("c").logY().series("RNN", xs, new double[] {1, 0, 3}));
        assertTrue(log.getMessage().contains("series \"RNN\", point 1 (x=2.0, y=0.0): y must be > 0 on a log10 y "
                + "axis"), log.getMessage());
        // The axis made logarithmic after the series was added: caught when drawn.
        Chart late = Chart.line("c").series("RNN", new double[] {0, 1}, new double[] {1, 2}).logX();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> late.toSvg(900, 600)).getMessage()
                .contains("point 0 (x=0.0, y=1.0): x must be > 0 on a log10 x axis"));
        assertThrows(IllegalArgumentException.class,
                () -> Chart.line("c").series("a", xs, xs).series("a", xs, xs));
        assertThrows(IllegalArgumentException.class, () -> Chart.line("c").series(" ", xs, xs));
        assertTrue(assertThrows(IllegalStateException.class, () -> Chart.line("empty").toSvg(900, 600))
                .getMessage().contains("has no series"));
        assertThrows(IllegalArgumentException.class, () -> latency().toSvg(10, 600));
    }

    @Test
    void copiesTheDataItIsGiven() throws Exception {
        double[] ys = {1, 2, 3};
        Chart c = Chart.line("c").series("s", new double[] {1, 2, 3}, ys);
        String before = c.toSvg(900, 600);
        ys[0] = 1000;
        assertEquals(before, c.toSvg(900, 600));
    }
}
