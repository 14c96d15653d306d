/** The checkout form's fields, in the order the form shows them. */
export const CHECKOUT_FIELDS = [
  'name',
  'email',
  'address',
  'postcode',
  'card-number',
  'expiry',
] as const;

export type CheckoutField = (typeof CHECKOUT_FIELDS)[number];
export type CheckoutValues = Record<CheckoutField, string>;
/** A message per field that failed validation. */
export type CheckoutErrors = Partial<Record<CheckoutField, string>>;

// Values are echoed back into the page; a cap keeps a pasted novel from doing the same.
const MAX_ECHO_CHARS = 500;

/** The submitted values, trimmed; a missing field reads as ''. */
export function readCheckoutValues(form: URLSearchParams): CheckoutValues {
  const values = {} as CheckoutValues;
  for (const field of CHECKOUT_FIELDS) {
    values[field] = (form.get(field) ?? '').trim().slice(0, MAX_ECHO_CHARS);
  }
  return values;
}

/**
 * Server-side validation, stricter than the HTML5 constraints in the form: the card number's
 * check digit and the expiry date are only checked here, so a browser that validates the form
 * still meets server-side errors.
 */
export function validateCheckout(values: CheckoutValues, nowMs: number): CheckoutErrors {
  const errors: CheckoutErrors = {};

  if (!values.name) errors.name = 'Enter your full name.';
  else if (values.name.length > 100) errors.name = 'Your name must be 100 characters or fewer.';

  if (!values.email) errors.email = 'Enter your email address.';
  else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(values.email) || values.email.length > 254) {
    errors.email = 'Enter an email address like name@example.com.';
  }

  if (!values.address) errors.address = 'Enter your delivery address.';

  if (!values.postcode) errors.postcode = 'Enter your postcode.';
  else if (!/^\d{5}$/.test(values.postcode)) errors.postcode = 'A postcode is 5 digits.';

  const digits = values['card-number'].replace(/[\s-]/g, '');
  if (!digits) errors['card-number'] = 'Enter your card number.';
  else if (!/^\d{13,19}$/.test(digits)) {
    errors['card-number'] = 'A card number is 13 to 19 digits.';
  } else if (!passesLuhn(digits)) {
    errors['card-number'] = 'This card number is not valid. Check it for typing mistakes.';
  }

  const expiry = /^(0[1-9]|1[0-2])\/(\d{2})$/.exec(values.expiry);
  if (!values.expiry) errors.expiry = 'Enter the expiry date.';
  else if (!expiry) errors.expiry = 'Enter the expiry date as MM/YY.';
  else if (isExpired(Number(expiry[1]), 2000 + Number(expiry[2]), nowMs)) {
    errors.expiry = 'This card has expired.';
  }

  return errors;
}

/** The Luhn check digit test every payment card number passes. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

// A card is valid until the end of its expiry month.
function isExpired(month: number, year: number, nowMs: number): boolean {
  const now = new Date(nowMs);
  const current = now.getUTCFullYear() * 12 + now.getUTCMonth();
  return year * 12 + (month - 1) < current;
}
