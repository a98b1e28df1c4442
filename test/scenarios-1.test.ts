import { describeCells } from './support/matrix';

// Every scenario cell of scenarios/ is a test (part 1 of 4 of the cells; the other parts are the sibling files).
describeCells(1, 4, { kind: 'memory' });
