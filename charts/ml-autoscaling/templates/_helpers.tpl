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
{{- with .Values.commonLabels }}
{{ tpl (toYaml .) $ }}
{{- end }}
{{- end }}

{{/* The namespace of the release's objects: namespaceOverride, else the release namespace. */}}
{{- define "mlas.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride }}
{{- end }}

{{/* The job label Prometheus Operator gives the scaler's targets: the Service's name under the
ServiceMonitor, set to the same by relabeling under the PodMonitor. Alerts and dashboards select
the release by it and by its namespace. */}}
{{- define "mlas.job" -}}
{{- include "mlas.fullname" . }}
{{- end }}

{{/* The address KEDA dials: scaler.address, else the Service's DNS name in the cluster's domain. */}}
{{- define "mlas.scalerAddress" -}}
{{- .Values.scaler.address | default (printf "%s.%s.svc.%s:%d" (include "mlas.fullname" .) (include "mlas.namespace" .) .Values.clusterDomain (int .Values.scaler.grpcPort)) }}
{{- end }}

{{/* The ScaledObject of one service: <fullname>-<service in kebab case>, cut to 63 characters. */}}
{{- define "mlas.scaledObjectName" -}}
{{- printf "%s-%s" .fullname (kebabcase .name) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* A variant's ScaledObject: the service's name, then the variant's (already lower case). */}}
{{- define "mlas.variantScaledObjectName" -}}
{{- printf "%s-%s-%s" .fullname (kebabcase .name) .variant | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "mlas.serviceAccountName" -}}
{{- if .Values.scaler.serviceAccount.create }}
{{- default (include "mlas.fullname" .) .Values.scaler.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.scaler.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The scaler image: [registry/]repository, then @digest when one is set, else :tag. The registry is
global.imageRegistry (a parent chart's), else scaler.image.registry. Without a repository it is
ml-autoscaling under a registry, or localhost/ml-autoscaling (the name scripts/build-image.sh
builds) without one; helm install still asks for one of the two on a live cluster.
*/}}
{{- define "mlas.image" -}}
{{- $img := .Values.scaler.image }}
{{- $registry := default (toString $img.registry) (toString ((.Values.global).imageRegistry)) | trimSuffix "/" }}
{{- $repository := $img.repository }}
{{- if not $repository }}{{ $repository = ternary "ml-autoscaling" "localhost/ml-autoscaling" (ne $registry "") }}{{ end }}
{{- $name := ternary (printf "%s/%s" $registry $repository) $repository (ne $registry "") }}
{{- if $img.digest }}
{{- printf "%s@%s" $name $img.digest }}
{{- else }}
{{- printf "%s:%s" $name (default .Chart.AppVersion $img.tag) }}
{{- end }}
{{- end }}

{{/* imagePullSecrets: global.imagePullSecrets and scaler.imagePullSecrets, each a name or {name: ...}. */}}
{{- define "mlas.imagePullSecrets" -}}
{{- $names := list }}
{{- range (concat (default list ((.Values.global).imagePullSecrets)) .Values.scaler.imagePullSecrets) }}
{{- $n := . }}
{{- if kindIs "map" . }}{{ $n = .name }}{{ end }}
{{- if not (has $n $names) }}{{ $names = append $names $n }}{{ end }}
{{- end }}
{{- if $names }}
imagePullSecrets:
{{- range $names }}
  - name: {{ . }}
{{- end }}
{{- end }}
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

{{/* The dashboards' ConfigMap names, one per file of dashboards/, as a JSON list. */}}
{{- define "mlas.dashboardNames" -}}
{{- $names := list }}
{{- range $path, $_ := .Files.Glob "dashboards/*.json" }}
{{- $names = append $names (printf "%s-%s" (include "mlas.fullname" $) (base $path | trimSuffix ".json") | trunc 63 | trimSuffix "-") }}
{{- end }}
{{- toJson $names }}
{{- end }}

{{/* The namespaces of the release's scaled workloads, sorted, as a JSON list. */}}
{{- define "mlas.workloadNamespaces" -}}
{{- $namespaces := dict }}
{{- range $name, $svc := .Values.services }}
{{- if $svc.enabled }}
{{- $_ := set $namespaces (default (include "mlas.namespace" $) ($svc.workload).namespace) true }}
{{- end }}
{{- end }}
{{- keys $namespaces | sortAlpha | toJson }}
{{- end }}

{{/* The release's ScaledObject names, sorted, as a JSON list. */}}
{{- define "mlas.scaledObjectNames" -}}
{{- $fullname := include "mlas.fullname" . }}
{{- $names := list }}
{{- range $name, $svc := .Values.services }}
{{- if $svc.enabled }}
{{- if $svc.variants }}
{{- range $vname, $_ := $svc.variants }}
{{- $names = append $names (include "mlas.variantScaledObjectName" (dict "fullname" $fullname "name" $name "variant" $vname)) }}
{{- end }}
{{- else }}
{{- $names = append $names (include "mlas.scaledObjectName" (dict "fullname" $fullname "name" $name)) }}
{{- end }}
{{- end }}
{{- end }}
{{- sortAlpha $names | toJson }}
{{- end }}

{{/* A regex of the pod names of the release's workloads, by kind: a Deployment's or Rollout's
<name>-<ReplicaSet hash>-<5 characters>, a StatefulSet's <name>-<ordinal>, a LeaderWorkerSet's
<name>-<group>[-<index>], any other kind's <name>-<anything>. */}}
{{- define "mlas.workloadPodsRegex" -}}
{{- $patterns := dict }}
{{- $suffix := dict "Deployment" "-[a-z0-9]+-[a-z0-9]{5}" "Rollout" "-[a-z0-9]+-[a-z0-9]{5}" "StatefulSet" "-[0-9]+" "LeaderWorkerSet" "-[0-9]+(-[0-9]+)?" }}
{{- range $name, $svc := .Values.services }}
{{- if $svc.enabled }}
{{- $w := default dict $svc.workload }}
{{- $_ := set $patterns (printf "%s%s" ($w.name | replace "." "[.]") (get $suffix (default "Deployment" $w.kind) | default "-.+")) true }}
{{- range $vname, $v := (default dict $svc.variants) }}
{{- $vw := default dict $v.workload }}
{{- $vn := default (printf "%s-%s" $w.name $vname) $vw.name }}
{{- $_ := set $patterns (printf "%s%s" ($vn | replace "." "[.]") (get $suffix (default (default "Deployment" $w.kind) $vw.kind) | default "-.+")) true }}
{{- end }}
{{- end }}
{{- end }}
{{- printf "(%s)" (keys $patterns | sortAlpha | join "|") }}
{{- end }}
