/**
 * A chart created once and held for its component's life (STYLE.md, "The console and the
 * supervisor's charts"): kept as wide as its holder by a ResizeObserver, destroyed on unmount.
 */
import type uPlot from 'uplot';

/** Every chart's height, and the narrowest it is drawn. */
export const PLOT_HEIGHT = 220;
export const PLOT_MIN_WIDTH = 300;

/** Holds `u` in `plot` and returns the effect's cleanup. */
export function holdPlot(
  u: uPlot,
  element: HTMLElement,
  plot: { current: uPlot | null },
): () => void {
  plot.current = u;
  const resize = new ResizeObserver(() => {
    u.setSize({ width: Math.max(PLOT_MIN_WIDTH, element.clientWidth), height: PLOT_HEIGHT });
  });
  resize.observe(element);
  return () => {
    resize.disconnect();
    u.destroy();
    plot.current = null;
  };
}
