package dev.lstmspark.report;

import org.jfree.chart.axis.AxisState;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTick;
import org.jfree.chart.axis.Tick;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.TextAnchor;

import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import java.math.BigDecimal;
import java.math.MathContext;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A base-10 logarithmic perplexity axis labelled with plain numbers at 1-2-5 steps (2, 5, 10, 20), denser steps
 * when the curves span less than a decade or so. JFreeChart's own log axes label only the powers of ten, which
 * for a typical run (perplexity 25 down to 1.5) leaves a single label, "10", on the whole axis.
 */
final class PerplexityLogAxis extends LogAxis {
    private static final long serialVersionUID = 1L;

    /** Mantissas per decade, sparsest first; the first that gives enough labels within the range is used. */
    private static final double[][] LADDER = {
            {1},
            {1, 2, 5},
            // Roughly even in log space (0, .18, .30, .48, .70, .85): no pair of labels crowds the others.
            {1, 1.5, 2, 3, 5, 7},
    };
    /** Fewer labels than this and the axis is hard to read off; more than {@link #MOST_TICKS} and they crowd. */
    static final int FEWEST_TICKS = 5;
    static final int MOST_TICKS = 14;

    PerplexityLogAxis(String label) {
        super(label);
        setBase(10);
    }

    @Override
    public List<Tick> refreshTicks(Graphics2D g2, AxisState state, Rectangle2D dataArea, RectangleEdge edge) {
        DecimalFormat format = new DecimalFormat("#,##0.###", DecimalFormatSymbols.getInstance(Locale.ROOT));
        boolean vertical = RectangleEdge.isLeftOrRight(edge);
        TextAnchor anchor;
        if (vertical) {
            anchor = edge == RectangleEdge.LEFT ? TextAnchor.CENTER_RIGHT : TextAnchor.CENTER_LEFT;
        } else {
            anchor = edge == RectangleEdge.TOP ? TextAnchor.BOTTOM_CENTER : TextAnchor.TOP_CENTER;
        }
        List<Tick> ticks = new ArrayList<>();
        for (double value : tickValues(getLowerBound(), getUpperBound())) {
            ticks.add(new NumberTick(value, format.format(value), anchor, anchor, 0.0));
        }
        return ticks;
    }

    /** The labelled values within [lower, upper]: the sparsest ladder rung with enough of them, else linear steps. */
    static List<Double> tickValues(double lower, double upper) {
        if (!(lower > 0) || !(upper > lower) || Double.isInfinite(upper)) {
            return List.of();
        }
        List<Double> sparse = null;
        for (double[] mantissas : LADDER) {
            List<Double> ticks = mantissaTicks(lower, upper, mantissas);
            if (ticks.size() > MOST_TICKS) {
                // The sparser rung had too few labels, this one too many: two or more readable labels beat a
                // crowd of overlapping ones; with fewer than two, the crowd it is.
                return sparse != null ? sparse : ticks;
            }
            if (ticks.size() >= FEWEST_TICKS) {
                return ticks;
            }
            sparse = ticks.size() >= 2 ? ticks : sparse;
        }
        // Under about half a decade the logarithmic and linear scales barely differ: evenly spaced round numbers.
        return linearTicks(lower, upper);
    }

    private static List<Double> mantissaTicks(double lower, double upper, double[] mantissas) {
        List<Double> ticks = new ArrayList<>();
        int firstDecade = (int) Math.floor(Math.log10(lower));
        int lastDecade = (int) Math.ceil(Math.log10(upper));
        for (int decade = firstDecade; decade <= lastDecade; decade++) {
            for (double mantissa : mantissas) {
                // Round to drop binary noise (1.5 * 0.1 = 0.15000000000000002) before comparing and labelling.
                double value = roundSignificant(mantissa * Math.pow(10, decade));
                if (value >= lower && value <= upper) {
                    ticks.add(value);
                }
            }
        }
        return ticks;
    }

    private static List<Double> linearTicks(double lower, double upper) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(upper - lower)));
        List<Double> ticks = List.of();
        // The widest 1-2-5 step (1, 0.5, 0.2, 0.1, ... of the range's magnitude) that gives enough labels; quarter
        // steps would fit more often but label a log axis with odd-looking values like 12.5 and 17.5.
        for (double fraction : new double[]{1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01}) {
            double step = fraction * magnitude;
            ticks = new ArrayList<>();
            for (long i = (long) Math.ceil(lower / step); i * step <= upper; i++) {
                ticks.add(roundSignificant(i * step));
            }
            if (ticks.size() >= FEWEST_TICKS) {
                break;
            }
        }
        return ticks;
    }

    private static double roundSignificant(double value) {
        return new BigDecimal(value).round(new MathContext(10)).doubleValue();
    }
}
