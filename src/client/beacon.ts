// Placeholder until the beacon lands: see src/session and src/api.
export {};
