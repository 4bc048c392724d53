/** Credentials for tests of authentication: HS256 JWTs signed with a test secret. */
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Scope } from '../../src/auth/principal.ts';

/** A fresh secret for one test file's API. */
export function newSecret(): string {
  return randomBytes(32).toString('hex');
}

/** A JWT for `owner` with `scopes`, valid for `ttlSeconds` (negative: already expired). */
export function jwt(secret: string, owner: string, scopes: Scope[], ttlSeconds = 600): Promise<string> {
  return new SignJWT({ scope: scopes.join(' ') })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(owner)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(new TextEncoder().encode(secret));
}
