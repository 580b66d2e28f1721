/**
 * The same stack as `local-stack.ts`, in containers via testcontainers, for
 * machines with a Docker engine (`TRIBUTARY_STACK=containers`). The machines
 * this project's CI runs on have no Docker engine, so this path is not
 * exercised there.
 */
import { DEFAULT_KAFKA_VERSION } from './kafka-broker.js';
import type { StackEndpoints } from './local-stack.js';
import { freePort } from './ports.js';
import { APICURIO_LATEST, CCOMPAT_PATH } from './schema-registry.js';

export interface ContainerStack {
  readonly endpoints: StackEndpoints;
  stop(): Promise<void>;
}

export async function startContainerStack(log: (line: string) => void = () => undefined): Promise<ContainerStack> {
  const { GenericContainer, Network, Wait } = await import('testcontainers');
  const kafkaVersion = process.env['KAFKA_VERSION'] ?? DEFAULT_KAFKA_VERSION;
  const apicurioVersion = process.env['APICURIO_VERSION'] ?? APICURIO_LATEST;
  const network = await new Network().start();
  // The host listener is advertised with its host port, so that port is fixed up front.
  const kafkaPort = await freePort();
  log(`starting apache/kafka:${kafkaVersion}…`);
  const kafka = await new GenericContainer(`apache/kafka:${kafkaVersion}`)
    .withNetwork(network)
    .withNetworkAliases('kafka')
    .withExposedPorts({ container: 9092, host: kafkaPort })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: 'HOST://:9092,INTERNAL://:19092,CONTROLLER://:9093',
      KAFKA_ADVERTISED_LISTENERS: `HOST://127.0.0.1:${kafkaPort},INTERNAL://kafka:19092`,
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'HOST:PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_INTER_BROKER_LISTENER_NAME: 'INTERNAL',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .start();
  log(`starting apicurio/apicurio-registry:${apicurioVersion} and postgres…`);
  const [registry, postgres] = await Promise.all([
    new GenericContainer(`apicurio/apicurio-registry:${apicurioVersion}`)
      .withNetwork(network)
      .withExposedPorts(8080)
      .withEnvironment({
        APICURIO_STORAGE_KIND: 'kafkasql',
        APICURIO_KAFKASQL_BOOTSTRAP_SERVERS: 'kafka:19092',
        APICURIO_RULES_GLOBAL_COMPATIBILITY: 'BACKWARD',
      })
      .withWaitStrategy(Wait.forHttp(`${CCOMPAT_PATH}/subjects`, 8080))
      .start(),
    new GenericContainer('postgres:17')
      .withExposedPorts(5432)
      .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_DB: 'test' })
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start(),
  ]);
  return {
    endpoints: {
      KAFKA_BOOTSTRAP: `127.0.0.1:${kafkaPort}`,
      SCHEMA_REGISTRY_URL: `http://${registry.getHost()}:${registry.getMappedPort(8080)}${CCOMPAT_PATH}`,
      DATABASE_URL: `postgres://postgres@${postgres.getHost()}:${postgres.getMappedPort(5432)}/test`,
    },
    async stop() {
      await Promise.all([registry.stop(), postgres.stop()]);
      await kafka.stop();
      await network.stop();
    },
  };
}
