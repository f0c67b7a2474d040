// Pages instead of scrolling: the rail flows tickets down fixed-height columns
// (CSS multi-column, so a long ticket continues in the next column) and shows one
// screen-width of columns at a time.

/** Number of pages for content `scrollWidth` wide shown `pageWidth` at a time. */
export function pageCount(scrollWidth: number, pageWidth: number): number {
  if (pageWidth <= 0) return 1;
  // A rounding pixel must not create an empty last page.
  return Math.max(1, Math.ceil((scrollWidth - 2) / pageWidth));
}

/** The page holding content at horizontal offset `left`. */
export function pageOf(left: number, pageWidth: number): number {
  if (pageWidth <= 0) return 0;
  return Math.max(0, Math.floor((left + 1) / pageWidth));
}

/** Keeps `page` within `count` pages. */
export function clampPage(page: number, count: number): number {
  return Math.min(Math.max(0, page), Math.max(0, count - 1));
}
