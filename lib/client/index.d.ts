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
