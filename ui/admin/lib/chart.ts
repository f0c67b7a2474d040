// Chart.js, registered with only the parts the admin page draws (bars and lines on
// category and linear axes), so the page carries no more of it than it uses.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from "chart.js";

Chart.register(BarController, BarElement, CategoryScale, Legend, LineController, LineElement, LinearScale, PointElement, Tooltip);
Chart.defaults.font.size = 14;
Chart.defaults.color = "#14181d";
// The page is read while it refreshes; a chart that animates each time looks restless.
Chart.defaults.animation = false;

/** Colours far apart and readable on white, one per station in order. */
export const PALETTE = ["#2563eb", "#d97706", "#059669", "#db2777", "#7c3aed", "#0891b2", "#65a30d", "#dc2626"];

/** A Svelte action drawing `config` on a canvas and redrawing when it changes. */
export function chart(canvas: HTMLCanvasElement, config: ChartConfiguration) {
  let drawn = new Chart(canvas, config);
  return {
    update(next: ChartConfiguration) {
      drawn.destroy();
      drawn = new Chart(canvas, next);
    },
    destroy() {
      drawn.destroy();
    },
  };
}
