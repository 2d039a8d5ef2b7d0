// parse-server-refresh-token/client: keeps apps built on the Parse JavaScript SDK signed in.

/** Where a native app keeps the refresh token (e.g. Keychain / Keystore-backed storage); sync or async. */
export interface RefreshTokenStorage {
  getItem(key: string): string | null | undefined | Promise<string | null | undefined>;
  setItem(key: string, value: string): void | Promise<void>;
  removeItem(key: string): void | Promise<void>;
}

/** Why a session ended for good. */
export type SessionEndReason = 'revoked' | 'reuse' | 'expired' | 'idle' | 'logout' | 'no-session' | 'no-refresh-token';

export interface AutoRefreshOptions {
  /**
   * 'cookie' in browsers (the server keeps the refresh token in its HttpOnly cookie; set the
   * server's `browserRefresh: 'cookie'`), or a storage object in native apps and Node.
   */
  refreshTokenStorage: 'cookie' | RefreshTokenStorage;
  /** Seconds before the access token's expiry to refresh it (default 60). */
  refreshAhead?: number;
  /** The session ended for good (called once; other tabs get 'logout' when one tab logs out). */
  onSessionExpired?: (reason: SessionEndReason) => void | Promise<void>;
  /** Key under which the refresh token is stored (default `parse-refresh-token:<appId>`). */
  storageKey?: string;
  /** Longest wait for another tab's refresh, ms (default 5000). */
  lockWaitMs?: number;
  /** Timeout of one refresh request, ms (default 10000). */
  requestTimeoutMs?: number;
  /** Retries of a refresh that failed on the network or a 5xx, with doubling delays (default 3). */
  retries?: number;
  /** First retry delay, ms (default 300). */
  retryDelayMs?: number;
}

export interface AutoRefresh {
  /** Signs in with a pair a custom login flow returned (e.g. a cloud function using issueTokens). */
  adoptTokens(pair: { accessToken?: string; sessionToken?: string; refreshToken?: string; expires_in?: number }): Promise<unknown>;
  /** Refreshes now; resolves to the new access token. */
  refresh(): Promise<string>;
  /** Stops refreshing and restores the SDK's own controllers. */
  stop(): void;
}

/** Installs automatic refresh on the given Parse SDK (`parse`, `parse/node`, `parse/react-native`). Idempotent. */
export declare function enableAutoRefresh(Parse: unknown, options: AutoRefreshOptions): AutoRefresh;

/** Without auto refresh: makes Parse.User.logOut() end the server session for access tokens too. */
export declare function installParseLogout<T>(Parse: T): T;

export declare class SessionEndedError extends Error {
  reason: SessionEndReason;
}

/**
 * The stable `reason` of every 209 the server answers (also the Bearer challenge's
 * `error_description`): match these, never the sentence in `error`.
 */
export declare const REASONS: Readonly<{
  accessTokenExpired: 'access_token_expired';
  accessTokenNotYetValid: 'access_token_not_yet_valid';
  accessTokenSignatureInvalid: 'access_token_signature_invalid';
  accessTokenAlgorithmRejected: 'access_token_algorithm_rejected';
  accessTokenTypeRejected: 'access_token_type_rejected';
  accessTokenIssuerRejected: 'access_token_issuer_rejected';
  accessTokenAudienceRejected: 'access_token_audience_rejected';
  accessTokenKeyUnknown: 'access_token_key_unknown';
  accessTokenMalformed: 'access_token_malformed';
  sessionRevoked: 'session_revoked';
  sessionExpired: 'session_expired';
  sessionIdle: 'session_idle';
  legacySessionTokenDenied: 'legacy_session_token_denied';
  refreshTokenInvalid: 'refresh_token_invalid';
  refreshTokenExpired: 'refresh_token_expired';
  refreshTokenReused: 'refresh_token_reused';
  invalidSessionToken: 'invalid_session_token';
}>;
