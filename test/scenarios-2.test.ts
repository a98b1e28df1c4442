import { describeCells } from './support/matrix';

// Every scenario cell of scenarios/ is a test (part 2 of 4 of the cells; the other parts are the sibling files).
describeCells(2, 4, { kind: 'memory' });
