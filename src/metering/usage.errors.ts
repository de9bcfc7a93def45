import { DomainError } from '../common/errors/domain-error.js';

/** The metering module's lookup errors, shared by ingestion and the usage query so each code keeps one status and wording. */
export const customerNotFound = (reference: string) => new DomainError(404, 'CUSTOMER_NOT_FOUND', `No customer with ${reference}`);

export const meterNotFound = (key: string | undefined) => new DomainError(422, 'METER_NOT_FOUND', `No meter with key ${JSON.stringify(key)}`);

export const meterInactive = (key: string) => new DomainError(422, 'METER_INACTIVE', `Meter ${JSON.stringify(key)} is inactive and accepts no usage`);
