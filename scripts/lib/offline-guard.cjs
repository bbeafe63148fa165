/**
 * Preloaded (`node --require`) into the Microsoft 365 Agents Playground: it may only talk to this machine.
 * The playground starts Application Insights unconditionally and probes Azure IMDS; this refuses every
 * connection and name lookup that is not loopback, so nothing leaves 127.0.0.1 whatever its flags do.
 */
'use strict';
const dns = require('node:dns');
const net = require('node:net');

const LOCAL_NAMES = new Set(['localhost', '127.0.0.1', '::1', '::ffff:127.0.0.1']);
const isLocal = (host) =>
  host === undefined ||
  host === null ||
  host === '' ||
  LOCAL_NAMES.has(String(host)) ||
  /^127\./.test(String(host));
let reported = 0;
function refuse(what) {
  if (reported++ < 5 && process.env.OFFLINE_GUARD_QUIET !== '1')
    process.stderr.write(`[offline-guard] refused ${what}\n`);
  const error = new Error(`offline guard: ${what} is not loopback`);
  error.code = 'ECONNREFUSED';
  return error;
}

function targetOf(args) {
  let first = args[0];
  // net.connect() hands Socket#connect its normalized [options, callback] array.
  if (Array.isArray(first)) first = first[0];
  if (first && typeof first === 'object') return first.path ? null : (first.host ?? 'localhost');
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first)))
    return typeof args[1] === 'string' ? args[1] : 'localhost';
  return null; // a Unix socket path
}

const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const host = targetOf(args);
  if (host !== null && !isLocal(host)) {
    const error = refuse(`connection to ${host}`);
    process.nextTick(() => this.destroy(error));
    return this;
  }
  return originalConnect.apply(this, args);
};

const originalLookup = dns.lookup;
dns.lookup = function guardedLookup(hostname, options, callback) {
  const done = typeof options === 'function' ? options : callback;
  if (!isLocal(hostname)) {
    const error = refuse(`name lookup of ${hostname}`);
    error.code = 'ENOTFOUND';
    process.nextTick(() => done(error));
    return {};
  }
  return originalLookup.call(this, hostname, options, callback);
};
const originalPromisesLookup = dns.promises.lookup;
dns.promises.lookup = function guardedPromisesLookup(hostname, options) {
  if (!isLocal(hostname))
    return Promise.reject(Object.assign(refuse(`name lookup of ${hostname}`), { code: 'ENOTFOUND' }));
  return originalPromisesLookup.call(this, hostname, options);
};

// The playground listens on every interface; a local test tool should only be reachable from this machine.
const originalListen = net.Server.prototype.listen;
net.Server.prototype.listen = function loopbackListen(...args) {
  const first = args[0];
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    if (typeof args[1] !== 'string') args.splice(1, 0, '127.0.0.1');
  } else if (
    first &&
    typeof first === 'object' &&
    !first.path &&
    !first.host &&
    !first.fd &&
    !first.handle &&
    !first._handle
  ) {
    args[0] = { ...first, host: '127.0.0.1' };
  } else if (first === undefined || typeof first === 'function') {
    args.unshift(0, '127.0.0.1');
  }
  return originalListen.apply(this, args);
};
