import { describeCells } from './support/matrix';

// Every scenario cell of scenarios/ is a test (part 4 of 4 of the cells; the other parts are the sibling files).
describeCells(4, 4, { kind: 'memory' });
