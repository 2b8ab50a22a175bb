{{- /*
How the scaler authenticates to Prometheus (sources.prometheus.auth and .tls): the Secrets are
mounted as files, and the rendered config names the files, never their content. The scaler re-reads
them when the kubelet updates the mounted Secrets, so a rotation needs no restart.
*/}}

{{- define "mlas.prometheusAuthDir" -}}/etc/mlas/prometheus/auth{{- end }}
{{- define "mlas.prometheusTlsDir" -}}/etc/mlas/prometheus/tls{{- end }}

{{- /* The TLS section is rendered for a Secret or a server name. */}}
{{- define "mlas.prometheusUsesTls" -}}
{{- $t := .Values.sources.prometheus.tls }}
{{- if or $t.secretName $t.serverName }}true{{ end }}
{{- end }}

{{- /* The access fields of sources.prometheus in the scaler's config (YAML, or nothing). */}}
{{- define "mlas.prometheusAccess" -}}
{{- $p := .Values.sources.prometheus }}
{{- $a := $p.auth }}
{{- $t := $p.tls }}
{{- $auth := include "mlas.prometheusAuthDir" . }}
{{- $tlsDir := include "mlas.prometheusTlsDir" . }}
{{- $out := dict }}
{{- with $p.headers }}
{{- $_ := set $out "headers" . }}
{{- end }}
{{- if $a.secretName }}
{{- if $a.bearerTokenKey }}
{{- $_ := set $out "bearerTokenFile" (printf "%s/token" $auth) }}
{{- end }}
{{- if $a.usernameKey }}
{{- $_ := set $out "basicAuth" (dict "usernameFile" (printf "%s/username" $auth) "passwordFile" (printf "%s/password" $auth)) }}
{{- end }}
{{- if $a.headerKeys }}
{{- $files := dict }}
{{- range $name, $_ := $a.headerKeys }}
{{- $_ := set $files $name (printf "%s/headers/%s" $auth $name) }}
{{- end }}
{{- $_ := set $out "headerFiles" $files }}
{{- end }}
{{- end }}
{{- if include "mlas.prometheusUsesTls" . }}
{{- $tls := dict }}
{{- if and $t.secretName $t.caKey }}
{{- $_ := set $tls "caFile" (printf "%s/ca.crt" $tlsDir) }}
{{- end }}
{{- if and $t.secretName $t.certKey }}
{{- $_ := set $tls "certFile" (printf "%s/tls.crt" $tlsDir) }}
{{- $_ := set $tls "keyFile" (printf "%s/tls.key" $tlsDir) }}
{{- end }}
{{- with $t.serverName }}
{{- $_ := set $tls "serverName" . }}
{{- end }}
{{- $_ := set $out "tls" $tls }}
{{- end }}
{{- if $out }}
{{- toYaml $out }}
{{- end }}
{{- end }}

{{- /* The container's mounts of the Prometheus credential and certificate Secrets (a list, or nothing). */}}
{{- define "mlas.prometheusVolumeMounts" -}}
{{- $p := .Values.sources.prometheus }}
{{- if $p.auth.secretName }}
- name: prometheus-auth
  mountPath: {{ include "mlas.prometheusAuthDir" . }}
  readOnly: true
{{- end }}
{{- if $p.tls.secretName }}
- name: prometheus-tls
  mountPath: {{ include "mlas.prometheusTlsDir" . }}
  readOnly: true
{{- end }}
{{- end }}

{{- /* The pod's volumes for them: each key the config names, at the file name the config uses. */}}
{{- define "mlas.prometheusVolumes" -}}
{{- $p := .Values.sources.prometheus }}
{{- $a := $p.auth }}
{{- $t := $p.tls }}
{{- if $a.secretName }}
- name: prometheus-auth
  secret:
    secretName: {{ $a.secretName }}
    items:
      {{- with $a.bearerTokenKey }}
      - key: {{ . }}
        path: token
      {{- end }}
      {{- if $a.usernameKey }}
      - key: {{ $a.usernameKey }}
        path: username
      - key: {{ $a.passwordKey }}
        path: password
      {{- end }}
      {{- range $name, $key := $a.headerKeys }}
      - key: {{ $key }}
        path: headers/{{ $name }}
      {{- end }}
{{- end }}
{{- if $t.secretName }}
- name: prometheus-tls
  secret:
    secretName: {{ $t.secretName }}
    items:
      {{- with $t.caKey }}
      - key: {{ . }}
        path: ca.crt
      {{- end }}
      {{- if $t.certKey }}
      - key: {{ $t.certKey }}
        path: tls.crt
      - key: {{ $t.keyKey }}
        path: tls.key
      {{- end }}
{{- end }}
{{- end }}

{{- /*
What the scaler would refuse in these values, as validate.yaml's problems (a JSON list): one
Authorization header, keys that go together, a Secret named for keys and keys for a Secret, TLS
only towards an https url, each header set in one place.
*/}}
{{- define "mlas.prometheusProblems" -}}
{{- $p := .Values.sources.prometheus }}
{{- $a := $p.auth }}
{{- $t := $p.tls }}
{{- $problems := list }}
{{- $at := "sources.prometheus" }}
{{- $basic := or $a.usernameKey $a.passwordKey }}
{{- if and (or $a.bearerTokenKey $basic $a.headerKeys) (not $a.secretName) }}
{{- $problems = append $problems (printf "%s.auth.secretName: is required when auth names keys (bearerTokenKey, usernameKey, passwordKey, headerKeys)" $at) }}
{{- end }}
{{- if and $a.secretName (not (or $a.bearerTokenKey $basic $a.headerKeys)) }}
{{- $problems = append $problems (printf "%s.auth: secretName %q is set but no key names a credential in it (bearerTokenKey, usernameKey and passwordKey, or headerKeys)" $at $a.secretName) }}
{{- end }}
{{- if ne (empty $a.usernameKey) (empty $a.passwordKey) }}
{{- $problems = append $problems (printf "%s.auth: set both usernameKey and passwordKey, or neither" $at) }}
{{- end }}
{{- $ways := list }}
{{- if $a.bearerTokenKey }}{{- $ways = append $ways "auth.bearerTokenKey" }}{{- end }}
{{- if $basic }}{{- $ways = append $ways "auth.usernameKey/passwordKey" }}{{- end }}
{{- range $name, $_ := $a.headerKeys }}
{{- if eq (lower $name) "authorization" }}{{- $ways = append $ways (printf "auth.headerKeys.%s" $name) }}{{- end }}
{{- end }}
{{- if regexMatch "^https?://[^/?#]*@" $p.url }}{{- $ways = append $ways "the url's user:password@" }}{{- end }}
{{- if gt (len $ways) 1 }}
{{- $problems = append $problems (printf "%s: sends one Authorization header: set only one of %s" $at (join ", " $ways)) }}
{{- end }}
{{- range $name, $_ := $a.headerKeys }}
{{- range $other, $_ := $p.headers }}
{{- if eq (lower $name) (lower $other) }}
{{- $problems = append $problems (printf "%s.auth.headerKeys.%s: is also set in %s.headers (as %q): set it in one place" $at $name $at $other) }}
{{- end }}
{{- end }}
{{- end }}
{{- if and (include "mlas.prometheusUsesTls" .) (not (hasPrefix "https:" (lower $p.url))) }}
{{- $problems = append $problems (printf "%s.tls: applies to an https url, got %q" $at (regexReplaceAll "://[^/?#]*@" $p.url "://***@")) }}
{{- end }}
{{- if and (or $t.certKey $t.keyKey) (not $t.secretName) }}
{{- $problems = append $problems (printf "%s.tls.secretName: is required when certKey or keyKey is set" $at) }}
{{- end }}
{{- if ne (empty $t.certKey) (empty $t.keyKey) }}
{{- $problems = append $problems (printf "%s.tls: set both certKey and keyKey, or neither" $at) }}
{{- end }}
{{- if and $t.secretName (not (or $t.caKey $t.certKey)) }}
{{- $problems = append $problems (printf "%s.tls: secretName %q is set but neither caKey nor certKey names a file in it" $at $t.secretName) }}
{{- end }}
{{- toJson $problems }}
{{- end }}
