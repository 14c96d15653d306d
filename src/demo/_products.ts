/** One article the demo shop sells. */
export interface Product {
  readonly slug: string;
  readonly name: string;
  readonly category: string;
  readonly priceCents: number;
  readonly stock: number;
  readonly featured: boolean;
  readonly description: string;
}

/** The whole catalogue; fixed so pages and tests are predictable. */
export const PRODUCTS: readonly Product[] = [
  {
    slug: 'brass-desk-lamp',
    name: 'Brass Desk Lamp',
    category: 'Home',
    priceCents: 4900,
    stock: 14,
    featured: true,
    description:
      'A weighted brass lamp with a green glass shade. Takes a standard E27 bulb (not included).',
  },
  {
    slug: 'walnut-photo-frame',
    name: 'Walnut Photo Frame',
    category: 'Home',
    priceCents: 1850,
    stock: 40,
    featured: false,
    description: 'Solid walnut frame for 5×7" prints, with a stand and a hook for the wall.',
  },
  {
    slug: 'enamel-coffee-pot',
    name: 'Enamel Coffee Pot',
    category: 'Kitchen',
    priceCents: 3200,
    stock: 9,
    featured: true,
    description:
      'A 1.5 litre percolator in speckled blue enamel. Works on gas, electric and campfires.',
  },
  {
    slug: 'cast-iron-skillet',
    name: 'Cast Iron Skillet',
    category: 'Kitchen',
    priceCents: 3950,
    stock: 22,
    featured: false,
    description: 'A pre-seasoned 10" skillet that will outlive the rest of your kitchen.',
  },
  {
    slug: 'wool-picnic-blanket',
    name: 'Wool Picnic Blanket',
    category: 'Outdoors',
    priceCents: 5400,
    stock: 6,
    featured: true,
    description: 'Tartan wool blanket with a waterproof backing and a leather carrying strap.',
  },
  {
    slug: 'pocket-field-notebook',
    name: 'Pocket Field Notebook (3-pack)',
    category: 'Stationery',
    priceCents: 650,
    stock: 120,
    featured: false,
    description: 'Three 48-page notebooks with graph paper and kraft covers. Fits a back pocket.',
  },
  {
    slug: 'fountain-pen-starter-set',
    name: 'Fountain Pen Starter Set',
    category: 'Stationery',
    priceCents: 2400,
    stock: 18,
    featured: true,
    description: 'A steel-nib fountain pen, a converter and six ink cartridges in blue-black.',
  },
  {
    slug: 'canvas-messenger-bag',
    name: 'Canvas Messenger Bag',
    category: 'Accessories',
    priceCents: 6900,
    stock: 11,
    featured: false,
    description: 'Waxed canvas bag with a padded sleeve for a 15" laptop and brass buckles.',
  },
  {
    slug: 'leather-key-fob',
    name: 'Leather Key Fob',
    category: 'Accessories',
    priceCents: 900,
    stock: 75,
    featured: false,
    description: 'Hand-stitched bridle leather with a split ring. Ages beautifully.',
  },
  {
    slug: 'tin-robot',
    name: 'Wind-up Tin Robot',
    category: 'Toys',
    priceCents: 1500,
    stock: 2,
    featured: false,
    description: 'A walking tin robot with sparking chest. Not suitable for children under 3.',
  },
  {
    slug: 'mp3-player-dock',
    name: 'MP3 Player Speaker Dock',
    category: 'Electronics',
    priceCents: 7900,
    stock: 5,
    featured: false,
    description: 'Stereo speakers with a universal dock, a line-in socket and a remote control.',
  },
  {
    slug: 'usb-desk-fan',
    name: 'USB Desk Fan',
    category: 'Electronics',
    priceCents: 1299,
    stock: 30,
    featured: false,
    description: 'A quiet 4" fan with a metal cage, powered by any USB port.',
  },
];

const BY_SLUG = new Map(PRODUCTS.map((product) => [product.slug, product]));

/** The product with this slug, if the shop sells one. */
export function findProduct(slug: string): Product | undefined {
  return BY_SLUG.get(slug);
}

/** A price as the shop prints it, e.g. `$12.99`. */
export function formatPrice(cents: number): string {
  return `$${(cents / 100).toFixed(2)}`;
}
