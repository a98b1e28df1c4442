import { describeStreamLimits } from '../../test/support/stream-limit-cases';

// The listener's limits in virtual time; test/stream-limits.socket.test.ts runs the same cases on sockets.
describeStreamLimits('memory');
