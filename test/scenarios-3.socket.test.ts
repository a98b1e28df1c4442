import { describeCells } from './support/matrix';

// The same scenarios on real sockets (127.0.5.x, wall clock): one code path, two runtimes. Part 3 of 3 of the
// cells, each part on its own loopback blocks (a cell runs on each while the others wait) so the parts can run
// side by side.
describeCells(3, 3, { kind: 'sockets', addressPrefixes: ['127.0.5', '127.0.25'] });
