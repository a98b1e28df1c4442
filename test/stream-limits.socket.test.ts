import { describeStreamLimits } from './support/stream-limit-cases';

// The listener's limits on real loopback sockets (127.0.50.x), the same cases as in virtual time.
describeStreamLimits('sockets');
