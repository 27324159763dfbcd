{{/*
Pieces that every pod of the run shares. Only the template subset of README.md ("Template subset") is used,
so that the tests can render this chart without Helm.
*/}}

{{- define "orchestrator.labels" -}}
app.kubernetes.io/name: orchestrator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: Helm
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end }}

{{/* The label Kubernetes API discovery selects the run's pods by (KubernetesNames.RunLabel in the code). */}}
{{- define "orchestrator.runLabel" -}}
orchestrator/run: {{ .Values.runSpec.run.name | quote }}
{{- end }}

{{- define "orchestrator.podAnnotations" -}}
{{- if .Values.metrics.podAnnotations -}}
{{- if .Values.runSpec.telemetry.prometheus -}}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .Values.runSpec.telemetry.prometheus.port | quote }}
prometheus.io/path: /metrics
{{- end }}
{{- end }}
{{- end }}

{{/* Pod-level settings: the service account that may list the run's pods, a non-root user, the image's. */}}
{{- define "orchestrator.podSettings" -}}
serviceAccountName: {{ .Release.Name }}
automountServiceAccountToken: true
securityContext:
  runAsNonRoot: true
  runAsUser: 10001
  runAsGroup: 10001
  fsGroup: 10001
{{- if .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml .Values.imagePullSecrets | nindent 2 }}
{{- end }}
{{- end }}

{{/* Container settings every role shares; the role's args, ports, mounts and resources are in its template. */}}
{{- define "orchestrator.container" -}}
image: {{ .Values.image.repository }}:{{ .Values.image.tag }}
imagePullPolicy: {{ .Values.image.pullPolicy }}
securityContext:
  allowPrivilegeEscalation: false
  capabilities:
    drop: [ALL]
env:
  # Each pod's own address: Akka remoting, the data plane and the management endpoint bind to it.
  - name: POD_IP
    valueFrom:
      fieldRef:
        fieldPath: status.podIP
# Probes on the management endpoint (src/Coordinator/Hosting/HealthProbes.cs): alive while the actor system
# runs, ready once the node is Up in the cluster. The start-up probe gives a process time to open its data and
# join before liveness counts.
startupProbe:
  httpGet:
    path: /alive
    port: {{ .Values.runSpec.cluster.discovery.management_port_name }}
  periodSeconds: 5
  failureThreshold: 120
livenessProbe:
  httpGet:
    path: /alive
    port: {{ .Values.runSpec.cluster.discovery.management_port_name }}
  periodSeconds: 10
  timeoutSeconds: 5
  failureThreshold: 6
readinessProbe:
  httpGet:
    path: /ready
    port: {{ .Values.runSpec.cluster.discovery.management_port_name }}
  periodSeconds: 5
  timeoutSeconds: 5
{{- end }}

{{/* Ports every role serves; a role lists its own after these. */}}
{{- define "orchestrator.ports" -}}
- name: remoting
  containerPort: {{ .Values.runSpec.cluster.port }}
- name: {{ .Values.runSpec.cluster.discovery.management_port_name }}
  containerPort: {{ .Values.runSpec.cluster.discovery.management_port }}
{{- if .Values.runSpec.telemetry.prometheus }}
- name: metrics
  containerPort: {{ .Values.runSpec.telemetry.prometheus.port }}
{{- end }}
{{- end }}

{{- define "orchestrator.volumeMounts" -}}
- name: spec
  mountPath: /etc/orchestrator/spec
  readOnly: true
- name: token
  mountPath: /etc/orchestrator/token
  readOnly: true
{{- if .Values.secrets.tls.name }}
- name: tls
  mountPath: /etc/orchestrator/tls
  readOnly: true
{{- end }}
- name: data
  mountPath: /data
{{- end }}

{{- define "orchestrator.volumes" -}}
- name: spec
  configMap:
    name: {{ .Release.Name }}-spec
- name: token
  secret:
    secretName: {{ .Values.secrets.token.name }}
    items:
      - key: {{ .Values.secrets.token.key }}
        path: token
{{- if .Values.secrets.tls.name }}
# The TLS contract with the run spec: cluster.tls: { certificate: /etc/orchestrator/tls/tls.crt,
# key: /etc/orchestrator/tls/tls.key, ca: /etc/orchestrator/tls/ca.crt }.
- name: tls
  secret:
    secretName: {{ .Values.secrets.tls.name }}
{{- end }}
- name: data
  persistentVolumeClaim:
    {{- if .Values.storage.existingClaim }}
    claimName: {{ .Values.storage.existingClaim }}
    {{- else }}
    claimName: {{ .Release.Name }}-data
    {{- end }}
{{- end }}
