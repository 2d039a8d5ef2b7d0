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
};
