'use strict';
// appId -> plugin, so that process-wide Parse Server patches act only for apps that opted in.
const plugins = new Map();

module.exports = {
  register(plugin) {
    plugins.set(plugin.appId, plugin);
  },
  unregister(plugin) {
    if (plugins.get(plugin.appId) === plugin) plugins.delete(plugin.appId);
  },
  forApp(appId) {
    return appId === undefined ? undefined : plugins.get(appId);
  },
  /** The plugin when exactly one app of this process has one (for Parse calls that name no app). */
  sole() {
    return plugins.size === 1 ? plugins.values().next().value : undefined;
  },
};
