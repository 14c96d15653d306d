import { PRODUCTS } from './_products.js';

/** `/download/catalogue.csv`: the catalogue as RFC 4180 CSV with CRLF line ends. */
export function catalogueCsv(): string {
  const rows = [
    ['slug', 'name', 'category', 'price', 'stock'],
    ...PRODUCTS.map((p) => [
      p.slug,
      p.name,
      p.category,
      (p.priceCents / 100).toFixed(2),
      String(p.stock),
    ]),
  ];
  return `${rows.map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`;
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** `/api/stock.json`: what is in stock, as the shop's own scripts might poll it. */
export function stockReport(nowMs: number): {
  updated: string;
  items: { slug: string; stock: number }[];
} {
  return {
    updated: new Date(nowMs).toISOString(),
    items: PRODUCTS.map(({ slug, stock }) => ({ slug, stock })),
  };
}
