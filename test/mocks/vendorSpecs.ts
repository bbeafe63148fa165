/**
 * Where the vendors' OpenAPI specs are, if anywhere. They are not part of this repository: `.ci/run` points
 * RINGBACK_SLACK_OPENAPI and RINGBACK_ZENDESK_OPENAPI at them and sets REQUIRE_VENDOR_SPECS=1, so a missing
 * spec fails CI. On a plain clone the fakes still run, without checking requests against the spec, and say so
 * loudly once per test process.
 */
import { existsSync } from 'node:fs';

export type Vendor = 'slack' | 'zendesk';

const VARIABLES: Record<Vendor, string> = {
  slack: 'RINGBACK_SLACK_OPENAPI',
  zendesk: 'RINGBACK_ZENDESK_OPENAPI',
};

const warned = new Set<Vendor>();

export function vendorSpecVariable(vendor: Vendor): string {
  return VARIABLES[vendor];
}

/** The spec file of `vendor`, or null when none is configured (then spec checks are skipped, loudly). */
export function vendorSpecPath(vendor: Vendor): string | null {
  const variable = VARIABLES[vendor];
  const path = process.env[variable]?.trim();
  const required = process.env.REQUIRE_VENDOR_SPECS === '1';
  if (path && existsSync(path)) return path;
  const why = path ? `${variable}=${path} does not exist` : `${variable} is unset`;
  if (required) throw new Error(`the ${vendor} OpenAPI spec is required (REQUIRE_VENDOR_SPECS=1) but ${why}`);
  if (!warned.has(vendor)) {
    warned.add(vendor);
    process.stderr.write(
      `\n!!! SKIPPED: requests to the fake ${vendor} are NOT checked against its OpenAPI spec (${why}; ` +
        '.ci/run sets it).\n\n',
    );
  }
  return null;
}
