export {
  AvroError,
  DecodeError,
  UnknownMagicByte,
  UnknownSchemaId,
  IncompatibleSchema,
  TruncatedPayload,
  CorruptPayload,
  RegistryUnavailable,
  RegistryError,
  SchemaRejected,
  SchemaNotRegistered,
  InvalidValue,
  SchemaFileError,
} from './errors.js';
export { AvroSerde, avroSerde, type AvroSerdeOptions, type Serde } from './serde/avro-serde.js';
export { subjectName, recordFullName, type SerdeContext, type SubjectNameStrategy } from './serde/subject.js';
export { MAGIC_BYTE, HEADER_SIZE, readSchemaId, withHeader } from './serde/wire.js';
export { DEFAULT_REGISTRY_TIMEOUT_MS, RegistryClient, type RegistryClientOptions, type SubjectVersion } from './registry/client.js';
export { COMPATIBILITY_LEVELS, DEFAULT_COMPATIBILITY, isCompatibilityLevel, type CompatibilityLevel } from './registry/compatibility-level.js';
export { avroType, schemaOf, type AvroSchema, type TypedSchema, type SchemaInput } from './schema/types.js';
export { LOGICAL_TYPES } from './schema/logical-types.js';
export {
  canRead,
  checkCompatibility,
  describeType,
  type Incompatibility,
  type IncompatibilityType,
  type CompatibilityViolation,
  type RegisteredVersion,
} from './schema/compatibility.js';
export { loadSchemaFiles, loadSchemaFile, type SchemaFile } from './schema/files.js';
export { generateTypes } from './schema/codegen.js';
export { JsonValidator, validateJson, type JsonFieldError, type JsonValidation, type JsonValidatorOptions } from './json/validate.js';
export { checkSubject, formatReport, isBreaking, type SubjectReport } from './cli/check.js';
