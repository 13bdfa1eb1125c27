// Preloaded with `node --import` into each cold-start process, before the function
// bundle loads. It wraps every way Node code opens a network connection or resolves a
// host name, counts the calls and still performs them, so a bundle that connects at
// import is caught, while the loader can still invoke the handler afterwards.
// The loader reads the counts from globalThis.__networkProbe.
import dns from 'node:dns';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import tls from 'node:tls';

const counts = {
  'net.Socket.prototype.connect': 0,
  'net.connect': 0,
  'net.createConnection': 0,
  'tls.connect': 0,
  'dns.lookup': 0,
  'dns.promises.lookup': 0,
};

function wrap(owner, property, label) {
  const original = owner[property];
  owner[property] = function counted(...args) {
    counts[label] += 1;
    return original.apply(this, args);
  };
}

wrap(net.Socket.prototype, 'connect', 'net.Socket.prototype.connect');
wrap(net, 'connect', 'net.connect');
wrap(net, 'createConnection', 'net.createConnection');
wrap(tls, 'connect', 'tls.connect');
wrap(dns, 'lookup', 'dns.lookup');
wrap(dns.promises, 'lookup', 'dns.promises.lookup');
// Makes `import { connect } from 'node:net'` and the like see the wrappers too.
syncBuiltinESMExports();

globalThis.__networkProbe = {
  snapshot: () => ({ ...counts }),
};
