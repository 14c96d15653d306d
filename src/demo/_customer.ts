/** Name of the cookie that says who is logged in. */
export const CUSTOMER_COOKIE = 'customer_id';

const CUSTOMER_ID = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;

/** The customer id for a display name: lower-case ASCII words joined by dashes; '' if none. */
export function customerIdFromName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '');
}

/** The logged-in customer from the cookie, or null when it is absent or not a valid id. */
export function readCustomerId(cookie: string | undefined): string | null {
  return cookie !== undefined && CUSTOMER_ID.test(cookie) ? cookie : null;
}
