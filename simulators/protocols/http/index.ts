export { HttpStreamFramer, headerOf, pathOf, queryOf, serializeHttp, summarizeHttp } from './http-message';
export type { HttpHeaders, HttpMessage, HttpRequest, HttpResponse } from './http-message';
