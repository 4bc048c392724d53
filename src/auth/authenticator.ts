/**
 * Checking credentials: JWTs (HS256 with a shared secret, or RS256/ES256 against a JWKS file or
 * URL) whose `sub` is the owner and whose `scope` lists its scopes; static API keys for services;
 * and short-lived task tokens this API mints itself (`createTaskToken`) that can read and watch
 * a few tasks and nothing else. JWT work is done by jose; nothing here parses tokens by hand.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  jwtVerify,
  SignJWT,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { ANONYMOUS, SCOPES, type Principal, type Scope } from './principal.ts';

/** A static API key and what it stands for. */
export interface ApiKey {
  key: string;
  owner: string;
  scopes: Scope[];
}

/** How callers authenticate; see docs/security.md. */
export interface AuthSettings {
  /** No authentication at all: every caller is one owner with every scope (development only). */
  disabled: boolean;
  jwtSecret: string | null;
  jwksUrl: string | null;
  jwksFile: string | null;
  issuer: string | null;
  audience: string | null;
  apiKeys: ApiKey[];
  /** Signs task tokens; defaults to `jwtSecret`. */
  taskTokenSecret: string | null;
}

/** Missing, malformed, unknown or expired credentials. */
export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
}

/** The JOSE `typ` of task tokens, so they can never be mistaken for an identity provider's JWTs. */
const TASK_TOKEN_TYPE = 'taskql-task+jwt';

export class Authenticator {
  readonly #settings: AuthSettings;
  readonly #secret: Uint8Array | null;
  readonly #taskSecret: Uint8Array | null;
  readonly #jwks: JWTVerifyGetKey | null;
  readonly #apiKeys: { digest: Buffer; key: ApiKey }[];

  private constructor(settings: AuthSettings, jwks: JWTVerifyGetKey | null) {
    const encode = (secret: string | null) => (secret ? new TextEncoder().encode(secret) : null);
    this.#settings = settings;
    this.#secret = encode(settings.jwtSecret);
    this.#taskSecret = encode(settings.taskTokenSecret ?? settings.jwtSecret);
    this.#jwks = jwks;
    this.#apiKeys = settings.apiKeys.map((key) => ({ digest: digest(key.key), key }));
  }

  /** An authenticator for `settings` (reads a JWKS file now; a JWKS URL is fetched when first needed). */
  static async create(settings: AuthSettings): Promise<Authenticator> {
    let jwks: JWTVerifyGetKey | null = null;
    if (settings.jwksFile) jwks = createLocalJWKSet(JSON.parse(await readFile(settings.jwksFile, 'utf8')) as Parameters<typeof createLocalJWKSet>[0]);
    else if (settings.jwksUrl) jwks = createRemoteJWKSet(new URL(settings.jwksUrl));
    return new Authenticator(settings, jwks);
  }

  /** Whether any way to authenticate is configured (production requires one). */
  static configured(settings: AuthSettings): boolean {
    return Boolean(settings.jwtSecret || settings.jwksUrl || settings.jwksFile || settings.apiKeys.length > 0);
  }

  get disabled(): boolean {
    return this.#settings.disabled;
  }

  /** The caller an `Authorization` value (`Bearer <token>`) stands for. */
  async authenticate(authorization: string | null | undefined): Promise<Principal> {
    if (this.#settings.disabled) return ANONYMOUS;
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (!token) throw new AuthenticationError('missing credentials: send "Authorization: Bearer <token>"');
    const apiKey = this.#apiKey(token);
    if (apiKey) return { owner: apiKey.owner, scopes: new Set(apiKey.scopes), taskIds: null, expiresAt: null };
    try {
      return await this.#verifyJwt(token);
    } catch (error) {
      if (error instanceof AuthenticationError) throw error;
      throw new AuthenticationError('invalid or expired token', { cause: error });
    }
  }

  /** A token that can read and watch `taskIds` (of `owner`) for `ttlSeconds`, and nothing else. */
  async mintTaskToken(owner: string, taskIds: string[], ttlSeconds: number): Promise<string> {
    if (!this.#taskSecret) throw new Error('TASK_TOKEN_SECRET (or AUTH_JWT_SECRET) is not configured');
    return new SignJWT({ scope: 'tasks:read', tasks: taskIds })
      .setProtectedHeader({ alg: 'HS256', typ: TASK_TOKEN_TYPE })
      .setSubject(owner)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .sign(this.#taskSecret);
  }

  #apiKey(token: string): ApiKey | undefined {
    const presented = digest(token);
    // Compare digests in constant time, so response timing says nothing about the keys.
    return this.#apiKeys.find(({ digest: d }) => timingSafeEqual(d, presented))?.key;
  }

  async #verifyJwt(token: string): Promise<Principal> {
    const header = decodeProtectedHeader(token);
    let payload: JWTPayload;
    if (header.typ === TASK_TOKEN_TYPE) {
      if (!this.#taskSecret) throw new AuthenticationError('task tokens are not accepted here');
      payload = (await jwtVerify(token, this.#taskSecret, { algorithms: ['HS256'], typ: TASK_TOKEN_TYPE })).payload;
      const tasks = payload['tasks'];
      if (!Array.isArray(tasks) || !tasks.every((t) => typeof t === 'string')) throw new AuthenticationError('malformed task token');
      return { ...this.#principalOf(payload), scopes: new Set(['tasks:read']), taskIds: new Set(tasks) };
    }
    const options = {
      ...(this.#settings.issuer && { issuer: this.#settings.issuer }),
      ...(this.#settings.audience && { audience: this.#settings.audience }),
    };
    if (header.alg === 'HS256' && this.#secret) {
      payload = (await jwtVerify(token, this.#secret, { ...options, algorithms: ['HS256'] })).payload;
    } else if (this.#jwks && (header.alg === 'RS256' || header.alg === 'ES256')) {
      payload = (await jwtVerify(token, this.#jwks, { ...options, algorithms: ['RS256', 'ES256'] })).payload;
    } else {
      throw new AuthenticationError(`tokens signed with ${String(header.alg)} are not accepted here`);
    }
    return this.#principalOf(payload);
  }

  #principalOf(payload: JWTPayload): Principal {
    if (typeof payload.sub !== 'string' || payload.sub === '') throw new AuthenticationError('the token names no subject (sub)');
    const claimed = payload['scope'] ?? payload['scopes'];
    const words = typeof claimed === 'string' ? claimed.split(/\s+/) : Array.isArray(claimed) ? claimed.map(String) : [];
    return {
      owner: payload.sub,
      scopes: new Set(SCOPES.filter((s) => words.includes(s))),
      taskIds: null,
      expiresAt: payload.exp ? new Date(payload.exp * 1000) : null,
    };
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
