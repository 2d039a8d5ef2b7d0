'use strict';
// Tabs of one browser share one session (the cookie, or the SDK's stored user). One tab refreshes at a
// time: it holds a Web Lock while it does, and tells the others the result on a BroadcastChannel and
// in localStorage (the new access token only, which the SDK stores there anyway), so that a tab that
// waited for the lock finds it there at once, whatever order the browser delivers events in.
// The lock is never waited for longer than `lockWaitMs`, and never held longer than the refresh
// itself, which is bounded by its own timeout; a closed tab's lock is released by the browser. Where
// the browser has neither API (Node, React Native, old browsers), everything runs in one process and
// the server's grace window covers the rare race.

function createTabCoordination(name, { lockWaitMs }) {
  const locks = typeof navigator !== 'undefined' && navigator.locks && typeof navigator.locks.request === 'function' ? navigator.locks : null;
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(name) : null;
  const listeners = new Set();
  const shared = typeof localStorage !== 'undefined' ? localStorage : null;
  const sharedKey = `${name}:latest`;
  if (channel) channel.onmessage = event => listeners.forEach(listener => listener(event.data));

  return {
    /** Runs `work` while no other tab runs it; after `lockWaitMs` of waiting, runs it anyway. */
    async exclusive(work) {
      if (!locks) return work();
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), lockWaitMs);
      let ran = false;
      try {
        return await locks.request(name, { signal: controller.signal }, async () => {
          clearTimeout(timer);
          ran = true;
          return work();
        });
      } catch (error) {
        if (ran || !controller.signal.aborted) throw error;
        return work(); // another tab held the lock too long: the grace window makes this safe
      } finally {
        clearTimeout(timer);
      }
    },
    /** Tells the other tabs (never this one). */
    publish(message) {
      if (channel) channel.postMessage(message);
      if (shared) {
        try {
          if (message.type === 'refreshed') shared.setItem(sharedKey, JSON.stringify({ accessToken: message.accessToken, expiresAt: message.expiresAt }));
          else shared.removeItem(sharedKey);
        } catch {
          // storage full or blocked: the channel still carries it
        }
      }
    },
    /** The newest access token a tab of this browser obtained, if any. */
    latest() {
      if (!shared) return null;
      try {
        const value = JSON.parse(shared.getItem(sharedKey) || 'null');
        return value && typeof value.accessToken === 'string' && Number.isFinite(value.expiresAt) ? value : null;
      } catch {
        return null;
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      listeners.clear();
      if (channel) channel.close();
    },
  };
}

module.exports = { createTabCoordination };
