export { PHONE_SERVICE_CONTENT_TYPE, parsePhoneService, serializePhoneService } from './phone-services';
export type { PhoneServiceObject } from './phone-services';
