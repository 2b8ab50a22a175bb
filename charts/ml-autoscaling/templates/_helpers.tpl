{{/*
Names are truncated to 63 characters because Kubernetes names and label values allow no more
(DNS-1123 labels); the trailing "-" a cut can leave is trimmed.
*/}}
{{- define "mlas.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "mlas.fullname" -}}
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

{{- define "mlas.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "mlas.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mlas.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "mlas.labels" -}}
helm.sh/chart: {{ include "mlas.chart" . }}
{{ include "mlas.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: ml-autoscaling
{{- end }}

{{- define "mlas.serviceAccountName" -}}
{{- if .Values.scaler.serviceAccount.create }}
{{- default (include "mlas.fullname" .) .Values.scaler.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.scaler.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "mlas.image" -}}
{{- printf "%s:%s" (default "localhost/ml-autoscaling" .Values.scaler.image.repository) (default .Chart.AppVersion .Values.scaler.image.tag) }}
{{- end }}

{{/* The RabbitMQ credentials Secret: the one this chart creates from username and password, or
the existing one (by default the RabbitMQ Cluster Operator's rabbitmq-default-user). */}}
{{- define "mlas.rabbitSecret" -}}
{{- if .Values.sources.rabbitmq.username }}
{{- printf "%s-rabbitmq" (include "mlas.fullname" .) }}
{{- else }}
{{- .Values.sources.rabbitmq.existingSecret }}
{{- end }}
{{- end }}

{{/* Whether any enabled service uses RabbitMQ. */}}
{{- define "mlas.usesRabbit" -}}
{{- $uses := false }}
{{- range $name, $svc := .Values.services }}
{{- if $svc.enabled }}
{{- range $tname, $t := $svc.triggers }}
{{- if or (eq $tname "rabbitmq") (eq (default "" $t.source) "rabbitmq") }}{{ $uses = true }}{{ end }}
{{- end }}
{{- end }}
{{- end }}
{{- $uses }}
{{- end }}

{{/*
One trigger of the scaler config from a values trigger. Known names bring their source, kind and
default query; the values' targetValue / queueLength become the per-replica target.
*/}}
{{- define "mlas.trigger" -}}
{{- $name := .name }}{{- $t := .t }}
{{- $known := dict
  "rabbitmq" (dict "source" "rabbitmq" "kind" "extensive")
  "requestRate" (dict "source" "prometheus" "kind" "extensive")
  "tokenRate" (dict "source" "prometheus" "kind" "extensive")
  "latency" (dict "source" "prometheus" "kind" "intensive")
  "gpuUtilization" (dict "source" "prometheus" "kind" "intensive" "query" "avg(DCGM_FI_DEV_GPU_UTIL)")
  "kvCacheUsage" (dict "source" "prometheus" "kind" "intensive" "query" "avg(vllm:kv_cache_usage_perc)") }}
{{- $k := default (dict) (get $known $name) }}
{{- $source := default (get $k "source") $t.source }}
{{- $kind := default (get $k "kind") $t.kind }}
{{- if not $source }}{{ fail (printf "services.*.triggers.%s.source: required for a trigger with a custom name (prometheus or rabbitmq)" $name) }}{{ end }}
{{- if not $kind }}{{ fail (printf "services.*.triggers.%s.kind: required for a trigger with a custom name (extensive or intensive)" $name) }}{{ end }}
{{ $name }}:
  source: {{ $source }}
  kind: {{ $kind }}
{{- if eq $source "rabbitmq" }}
  queue: {{ required (printf "services.*.triggers.%s.queueName is required" $name) $t.queueName | quote }}
  target: {{ required (printf "services.*.triggers.%s.queueLength is required" $name) $t.queueLength }}
  metric: {{ default (ternary "messages_ready" "messages" (ne (toString $.amqp) "")) $t.metric }}
{{- with $t.vhost }}
  vhost: {{ . | quote }}
{{- end }}
{{- else }}
  query: {{ required (printf "services.*.triggers.%s.query is required" $name) (default (get $k "query") $t.query) | quote }}
  target: {{ required (printf "services.*.triggers.%s.targetValue is required" $name) $t.targetValue }}
{{- end }}
{{- with $t.historyQuery }}
  historyQuery: {{ . | quote }}
{{- end }}
{{- if hasKey $t "arrival" }}
  arrival: {{ $t.arrival }}
{{- end }}
{{- end }}

{{/* The API version of a workload kind KEDA scales through its /scale subresource. */}}
{{- define "mlas.workloadApiVersion" -}}
{{- $known := dict "Deployment" "apps/v1" "StatefulSet" "apps/v1" "Rollout" "argoproj.io/v1alpha1" "LeaderWorkerSet" "leaderworkerset.x-k8s.io/v1" }}
{{- $kind := default "Deployment" .kind }}
{{- required (printf "services.%s.workload.apiVersion is required for kind %s" .name $kind) (default (get $known $kind) .apiVersion) }}
{{- end }}
