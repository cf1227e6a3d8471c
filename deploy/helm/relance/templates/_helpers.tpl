{{/* Names, labels, the shared environment and the pod defaults of the relance chart. */}}

{{- define "relance.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "relance.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "relance.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "relance.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "relance.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "relance.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Selector labels of one component; call with (dict "root" $ "component" "worker"). */}}
{{- define "relance.selectorLabels" -}}
app.kubernetes.io/name: {{ include "relance.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "relance.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "relance.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "relance.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Secret settings, by values key: the environment variable and the components that receive it. */}}
{{- define "relance.secretSettings" -}}
kafkaSaslPassword: {env: RELANCE_KAFKA_SASL_PASSWORD, components: [worker, topics, email, sms, voice, letter, push]}
kafkaSslKeyPassword: {env: RELANCE_KAFKA_SSL_KEY_PASSWORD, components: [worker, topics, email, sms, voice, letter, push]}
redisUrl: {env: RELANCE_REDIS_URL, components: [email, sms, voice, letter, push]}
ibanHashKey: {env: RELANCE_IBAN_HASH_KEY, components: [worker]}
smtpPassword: {env: RELANCE_SMTP_PASSWORD, components: [email]}
smsToken: {env: RELANCE_SMS_TOKEN, components: [sms]}
twilioAuthToken: {env: RELANCE_TWILIO_AUTH_TOKEN, components: [sms]}
voiceToken: {env: RELANCE_VOICE_TOKEN, components: [voice]}
pushToken: {env: RELANCE_PUSH_TOKEN, components: [push]}
letterToken: {env: RELANCE_LETTER_TOKEN, components: [letter]}
{{- end }}

{{/* Fail when a map of settings ($.settings, named $.where) holds a secret; secrets belong in the Secret. */}}
{{- define "relance.rejectSecrets" -}}
{{- range $key, $setting := include "relance.secretSettings" .root | fromYaml }}
{{- if hasKey $.settings $setting.env }}
{{- fail (printf "%s sets the secret %s in plain values; store it under the key %q of the Secret named by secrets.existingSecret instead" $.where $setting.env (index $.root.Values.secrets.keys $key)) }}
{{- end }}
{{- end }}
{{- end }}

{{/* The non-secret settings shared by every component, as a map of RELANCE_* names to strings. */}}
{{- define "relance.config" -}}
{{- include "relance.rejectSecrets" (dict "root" . "settings" .Values.config "where" "config") }}
{{- $tls := .Values.kafka.tls }}
{{- $config := dict
  "RELANCE_KAFKA_BOOTSTRAP_SERVERS" .Values.kafka.bootstrapServers
  "RELANCE_KAFKA_SECURITY_PROTOCOL" .Values.kafka.securityProtocol
  "RELANCE_TOPIC_PREFIX" .Values.topics.prefix
  "RELANCE_PARTITIONS" (toString .Values.topics.partitions)
  "RELANCE_REPLICATION_FACTOR" (toString .Values.topics.replicationFactor)
  "RELANCE_APP_ID" .Values.worker.appId
  "RELANCE_TIME_SCALE" (toString .Values.timeScale)
  "RELANCE_LOG_LEVEL" .Values.logLevel
  "RELANCE_STATE_DIR" "/var/lib/relance"
}}
{{- if .Values.kafka.saslMechanism }}
{{- $_ := set $config "RELANCE_KAFKA_SASL_MECHANISM" .Values.kafka.saslMechanism }}
{{- $_ := set $config "RELANCE_KAFKA_SASL_USERNAME" .Values.kafka.saslUsername }}
{{- end }}
{{- if $tls.existingSecret }}
{{- if $tls.caKey }}{{ $_ := set $config "RELANCE_KAFKA_SSL_CAFILE" (printf "/etc/relance/kafka-tls/%s" $tls.caKey) }}{{ end }}
{{- if $tls.certKey }}{{ $_ := set $config "RELANCE_KAFKA_SSL_CERTFILE" (printf "/etc/relance/kafka-tls/%s" $tls.certKey) }}{{ end }}
{{- if $tls.keyKey }}{{ $_ := set $config "RELANCE_KAFKA_SSL_KEYFILE" (printf "/etc/relance/kafka-tls/%s" $tls.keyKey) }}{{ end }}
{{- end }}
{{- range $name, $value := .Values.config }}
{{- $_ := set $config $name (toString $value) }}
{{- end }}
{{- toYaml $config }}
{{- end }}

{{/* Environment variables read from the existing Secret for one component; call with (dict "root" $ "component" "email"). */}}
{{- define "relance.secretEnv" -}}
{{- $root := .root }}
{{- $component := .component }}
{{- if $root.Values.secrets.existingSecret }}
{{- range $key, $setting := include "relance.secretSettings" $root | fromYaml }}
{{- if has $component $setting.components }}
- name: {{ $setting.env }}
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.secrets.existingSecret }}
      key: {{ index $root.Values.secrets.keys $key }}
      optional: true
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* Environment variables from a component's plain `env` map; secrets are rejected. */}}
{{- define "relance.plainEnv" -}}
{{- include "relance.rejectSecrets" (dict "root" .root "settings" .env "where" .where) }}
{{- range $name, $value := .env }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end }}

{{- define "relance.kafkaTlsVolume" -}}
{{- if .Values.kafka.tls.existingSecret }}
- name: kafka-tls
  secret:
    secretName: {{ .Values.kafka.tls.existingSecret }}
    defaultMode: 0440
{{- end }}
{{- end }}

{{- define "relance.kafkaTlsMount" -}}
{{- if .Values.kafka.tls.existingSecret }}
- name: kafka-tls
  mountPath: /etc/relance/kafka-tls
  readOnly: true
{{- end }}
{{- end }}

{{/* A hash of the ConfigMap, so that a changed setting rolls the pods. */}}
{{- define "relance.configChecksum" -}}
{{- include "relance.config" . | sha256sum }}
{{- end }}
