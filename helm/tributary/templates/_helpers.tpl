{{/*
Names, labels and the per-operator pieces every template shares.
*/}}

{{- define "tributary.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "tributary.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Values key → program the image runs (its first argument) and the name of its objects. */}}
{{- define "tributary.operators" -}}
ingest: ingest
enrich: enrich
aggregate: aggregate
score: score
sink: sink
lagExporter: lag-exporter
{{- end }}

{{/* Operators whose services hold a registry client (the lag exporter talks only to Kafka). */}}
{{- define "tributary.usesRegistry" -}}
{{- if ne . "lagExporter" }}true{{ end }}
{{- end }}

{{- define "tributary.componentName" -}}
{{- printf "%s-%s" (include "tributary.fullname" .root) .program | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "tributary.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "tributary.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tributary
{{- end }}

{{/* Selector labels of one operator; ctx: dict root program. */}}
{{- define "tributary.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tributary.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .program }}
{{- end }}

{{- define "tributary.componentLabels" -}}
{{ include "tributary.labels" .root }}
app.kubernetes.io/component: {{ .program }}
{{- end }}

{{- define "tributary.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* Numbers from values arrive as float64; %v would print 1000000 as 1e+06. */}}
{{- define "tributary.str" -}}
{{- if kindIs "float64" . }}{{ . | int64 | toString }}{{ else }}{{ . | toString }}{{ end }}
{{- end }}

{{- define "tributary.tlsMountPath" -}}/etc/tributary/kafka-tls{{- end }}
{{- define "tributary.databaseTlsMountPath" -}}/etc/tributary/database-tls{{- end }}

{{/*
Plain (non-secret) Kafka and registry variables, as a YAML map; ctx: dict root registry(bool).
*/}}
{{- define "tributary.connectionEnv" -}}
{{- $v := .root.Values }}
KAFKA_BROKERS: {{ $v.kafka.brokers | quote }}
{{- if $v.kafka.tls.enabled }}
KAFKA_SSL: "true"
KAFKA_SSL_REJECT_UNAUTHORIZED: {{ $v.kafka.tls.rejectUnauthorized | toString | quote }}
{{- if $v.kafka.tls.caKey }}
KAFKA_SSL_CA_FILE: {{ printf "%s/%s" (include "tributary.tlsMountPath" .) $v.kafka.tls.caKey | quote }}
{{- end }}
{{- if ne (empty $v.kafka.tls.certKey) (empty $v.kafka.tls.keyKey) }}
{{- fail "kafka.tls.certKey and kafka.tls.keyKey: both (mutual TLS) or neither" }}
{{- end }}
{{- if $v.kafka.tls.certKey }}
KAFKA_SSL_CERT_FILE: {{ printf "%s/%s" (include "tributary.tlsMountPath" .) $v.kafka.tls.certKey | quote }}
KAFKA_SSL_KEY_FILE: {{ printf "%s/%s" (include "tributary.tlsMountPath" .) $v.kafka.tls.keyKey | quote }}
{{- end }}
{{- end }}
{{- if ne $v.kafka.sasl.mechanism "none" }}
KAFKA_SASL_MECHANISM: {{ $v.kafka.sasl.mechanism | quote }}
KAFKA_SASL_USERNAME: {{ required "kafka.sasl.username is required with a SASL mechanism" $v.kafka.sasl.username | quote }}
{{- end }}
{{- if .registry }}
SCHEMA_REGISTRY_URL: {{ $v.schemaRegistry.url | quote }}
{{- end }}
{{- end }}

{{/*
Secret-backed Kafka and registry variables, as env entries; ctx: dict root registry(bool) skip(map of names set elsewhere).
*/}}
{{- define "tributary.connectionSecretEnv" -}}
{{- $v := .root.Values }}
{{- if and (ne $v.kafka.sasl.mechanism "none") (not (hasKey .skip "KAFKA_SASL_PASSWORD")) }}
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ required "kafka.sasl.existingSecret is required with a SASL mechanism" $v.kafka.sasl.existingSecret }}
      key: {{ $v.kafka.sasl.passwordKey }}
{{- end }}
{{- if and .registry $v.schemaRegistry.basicAuth.existingSecret }}
{{- if not (hasKey .skip "SCHEMA_REGISTRY_USERNAME") }}
- name: SCHEMA_REGISTRY_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ $v.schemaRegistry.basicAuth.existingSecret }}
      key: {{ $v.schemaRegistry.basicAuth.usernameKey }}
{{- end }}
{{- if not (hasKey .skip "SCHEMA_REGISTRY_PASSWORD") }}
- name: SCHEMA_REGISTRY_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $v.schemaRegistry.basicAuth.existingSecret }}
      key: {{ $v.schemaRegistry.basicAuth.passwordKey }}
{{- end }}
{{- end }}
{{- end }}

{{/* The operator's own settings (topics, ids), as a YAML map; ctx: dict root key op. */}}
{{- define "tributary.operatorEnv" -}}
{{- $v := .root.Values }}
{{- $op := .op }}
{{- if eq .key "ingest" }}
INGEST_TOPIC: {{ $op.topic | quote }}
DLQ_TOPIC: {{ $op.deadLetterTopic | quote }}
{{- else if eq .key "enrich" }}
APPLICATION_ID: {{ $op.applicationId | quote }}
INPUT_TOPIC: {{ $op.topics.input | quote }}
REFERENCE_TOPIC: {{ $op.topics.reference | quote }}
OUTPUT_TOPIC: {{ $op.topics.output | quote }}
SCHEMA_AUTO_REGISTER: {{ $op.schemaAutoRegister | toString | quote }}
{{- else if eq .key "aggregate" }}
APPLICATION_ID: {{ $op.applicationId | quote }}
INPUT_TOPIC: {{ $op.topics.input | quote }}
OUTPUT_TOPIC: {{ $op.topics.output | quote }}
SCHEMA_AUTO_REGISTER: {{ $op.schemaAutoRegister | toString | quote }}
{{- else if eq .key "score" }}
APPLICATION_ID: {{ $op.applicationId | quote }}
INPUT_TOPIC: {{ $op.topics.input | quote }}
SCORES_TOPIC: {{ $op.topics.scores | quote }}
ALERTS_TOPIC: {{ $op.topics.alerts | quote }}
SCHEMA_AUTO_REGISTER: {{ $op.schemaAutoRegister | toString | quote }}
{{- else if eq .key "sink" }}
GROUP_ID: {{ $op.groupId | quote }}
SINK_TOPICS: {{ join "," $op.topics | quote }}
DATABASE_SCHEMA: {{ $v.database.schema | quote }}
DATABASE_SSL: {{ $v.database.ssl | quote }}
{{- if $v.database.caSecret }}
{{- if ne $v.database.ssl "verify-full" }}
{{- fail "database.caSecret needs database.ssl=verify-full (the sink refuses a CA it would not use)" }}
{{- end }}
DATABASE_SSL_CA_FILE: {{ printf "%s/%s" (include "tributary.databaseTlsMountPath" .) $v.database.caKey | quote }}
{{- end }}
{{- else if eq .key "lagExporter" }}
{{- if $op.groups }}
GROUPS: {{ join "," $op.groups | quote }}
{{- end }}
POLL_INTERVAL_MS: {{ include "tributary.str" $op.pollIntervalMs | quote }}
{{- end }}
{{- end }}

{{/* User env map with every value as a string. */}}
{{- define "tributary.userEnv" -}}
{{- range $name, $value := . }}
{{ $name }}: {{ include "tributary.str" $value | quote }}
{{- end }}
{{- end }}

{{/*
The container env of one operator; ctx: dict root key program op.
POD_IP comes first: ADVERTISED_URL refers to it as $(POD_IP), which Kubernetes
expands only from variables defined earlier in the list.
*/}}
{{- define "tributary.env" -}}
{{- $v := .root.Values }}
{{- $op := .op }}
{{- $registry := eq (include "tributary.usesRegistry" .key) "true" }}
{{- $user := include "tributary.userEnv" $op.env | fromYaml }}
{{- $env := dict
  "HTTP_HOST" "0.0.0.0"
  "HTTP_PORT" "8080"
  "ADVERTISED_URL" "http://$(POD_IP):8080"
  "LOG_LEVEL" $v.logLevel
  "SHUTDOWN_TIMEOUT_MS" (mul $op.shutdownTimeoutSeconds 1000 | int64 | toString)
}}
{{- $env = mergeOverwrite $env (include "tributary.connectionEnv" (dict "root" .root "registry" $registry) | fromYaml) }}
{{- $env = mergeOverwrite $env (include "tributary.operatorEnv" . | fromYaml) }}
{{- $env = mergeOverwrite $env $user }}
- name: POD_IP
  valueFrom:
    fieldRef:
      fieldPath: status.podIP
{{- range $name, $value := $env }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- include "tributary.connectionSecretEnv" (dict "root" .root "registry" $registry "skip" $user) }}
{{- if and (eq .key "sink") (not (hasKey $user "DATABASE_URL")) }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ required "database.existingSecret is required with the sink enabled" $v.database.existingSecret }}
      key: {{ $v.database.urlKey }}
{{- end }}
{{- if and (eq .key "ingest") $op.auth.existingSecret (not (hasKey $user "INGEST_TOKEN")) }}
- name: INGEST_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ $op.auth.existingSecret }}
      key: {{ $op.auth.tokenKey }}
{{- end }}
{{- end }}

{{/* Volumes and mounts every pod gets: a writable /tmp (the root filesystem is read-only) and the Kafka TLS files. */}}
{{/* ctx: dict root key; the database CA goes to the sink only. */}}
{{- define "tributary.volumes" -}}
{{- $v := .root.Values }}
- name: tmp
  emptyDir: {}
{{- if $v.kafka.tls.enabled }}
- name: kafka-tls
  secret:
    secretName: {{ required "kafka.tls.existingSecret is required with kafka.tls.enabled" $v.kafka.tls.existingSecret }}
{{- end }}
{{- if and (eq .key "sink") $v.database.caSecret }}
- name: database-tls
  secret:
    secretName: {{ $v.database.caSecret }}
{{- end }}
{{- end }}

{{- define "tributary.volumeMounts" -}}
{{- $v := .root.Values }}
- name: tmp
  mountPath: /tmp
{{- if $v.kafka.tls.enabled }}
- name: kafka-tls
  mountPath: {{ include "tributary.tlsMountPath" . }}
  readOnly: true
{{- end }}
{{- if and (eq .key "sink") $v.database.caSecret }}
- name: database-tls
  mountPath: {{ include "tributary.databaseTlsMountPath" . }}
  readOnly: true
{{- end }}
{{- end }}

{{- define "tributary.podCommon" -}}
{{- with .Values.image.pullSecrets }}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{- end }}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
