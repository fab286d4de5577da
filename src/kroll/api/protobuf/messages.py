"""Descriptor tables for the protobuf messages kroll decodes.

Each message is a name followed by its fields, one per line, in the order the Go struct
declares them (which is the key order Go's JSON encoder writes):

    <field number> <json name> <type> [!] [omitzero]

Types:
    string int32 int64 bool double   scalars
    bytes                            base64 text in JSON
    IntOrString                      JSON number or string (intstr: 1 type, 2 intVal, 3 strVal)
    Quantity                         JSON string (resource.Quantity: 1 string)
    Time, MicroTime                  RFC 3339 text (1 seconds, 2 nanos); the zero time is null
    RawExtension, FieldsV1           embedded JSON document (1 raw bytes)
    <Message>                        a message below
    *T                               a Go pointer: present on the wire means present in JSON,
                                     even when zero (`replicas: 0`, `automountServiceAccountToken: false`)
    []T                              repeated field
    {T}                              map<string, T> (repeated entries: 1 key, 2 value)

`!` marks a field whose JSON tag has no `omitempty`: it is written even when zero or
absent (absent pointers, lists and maps as null). Without `!`, a zero non-pointer scalar is
dropped, exactly as Go's encoder drops it. Non-pointer messages are always written (Go's
`omitempty` never omits a struct), except with `omitzero` when zero. The json name `...`
is an embedded struct whose fields are inlined into the parent object.

Where the facts come from: field numbers, json names, omitempty/omitzero and pointer-ness
are those of the Kubernetes 1.37 API types as kubectl 1.37 carries them (each Go field's
`json:"..."` and `protobuf:"..."` struct tags and its Go type), which is what the upstream
generated.proto files are generated from; apps/v1, meta/v1, runtime, intstr, resource and
parts of core/v1 were checked line by line against those generated.proto files, and a unit
test checks every json name and list/map shape against the Kubernetes Python client's
models. The table covers the closure of every kind in KINDS below, so nothing a client can
send for those kinds is dropped. Message names are the Go type names; the two clashes
between core/v1 and events.k8s.io/v1 get the prefix `events.`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

_SPEC = """
# meta/v1
ObjectMeta
   1 name string
   2 generateName string
   3 namespace string
   4 selfLink string
   5 uid string
   6 resourceVersion string
   7 generation int64
   8 creationTimestamp Time omitzero
   9 deletionTimestamp *Time
  10 deletionGracePeriodSeconds *int64
  11 labels {string}
  12 annotations {string}
  13 ownerReferences []OwnerReference
  14 finalizers []string
  17 managedFields []ManagedFieldsEntry
OwnerReference
   5 apiVersion string !
   1 kind string !
   3 name string !
   4 uid string !
   6 controller *bool
   7 blockOwnerDeletion *bool
ManagedFieldsEntry
   1 manager string
   2 operation string
   3 apiVersion string
   4 time *Time
   6 fieldsType string
   7 fieldsV1 *FieldsV1
   8 subresource string
LabelSelector
   1 matchLabels {string}
   2 matchExpressions []LabelSelectorRequirement
LabelSelectorRequirement
   1 key string !
   2 operator string !
   3 values []string
Condition
   1 type string !
   2 status string !
   3 observedGeneration int64
   4 lastTransitionTime Time !
   5 reason string !
   6 message string !
DeleteOptions
   1 gracePeriodSeconds *int64
   2 preconditions *Preconditions
   3 orphanDependents *bool
   4 propagationPolicy *string
   5 dryRun []string
   6 ignoreStoreReadErrorWithClusterBreakingPotential *bool
Preconditions
   1 uid *string
   2 resourceVersion *string

# core/v1
Namespace
   1 metadata ObjectMeta
   2 spec NamespaceSpec
   3 status NamespaceStatus
NamespaceSpec
   1 finalizers []string
NamespaceStatus
   1 phase string
   2 conditions []NamespaceCondition
NamespaceCondition
   1 type string !
   2 status string !
   4 lastTransitionTime Time
   5 reason string
   6 message string
Pod
   1 metadata ObjectMeta
   2 spec PodSpec
   3 status PodStatus
PodSpec
   1 volumes []Volume
  20 initContainers []Container
   2 containers []Container !
  34 ephemeralContainers []EphemeralContainer
   3 restartPolicy string
   4 terminationGracePeriodSeconds *int64
   5 activeDeadlineSeconds *int64
   6 dnsPolicy string
   7 nodeSelector {string}
   8 serviceAccountName string
   9 serviceAccount string
  21 automountServiceAccountToken *bool
  10 nodeName string
  11 hostNetwork bool
  12 hostPID bool
  13 hostIPC bool
  27 shareProcessNamespace *bool
  14 securityContext *PodSecurityContext
  15 imagePullSecrets []LocalObjectReference
  16 hostname string
  17 subdomain string
  18 affinity *Affinity
  19 schedulerName string
  22 tolerations []Toleration
  23 hostAliases []HostAlias
  24 priorityClassName string
  25 priority *int32
  26 dnsConfig *PodDNSConfig
  28 readinessGates []PodReadinessGate
  29 runtimeClassName *string
  30 enableServiceLinks *bool
  31 preemptionPolicy *string
  32 overhead {Quantity}
  33 topologySpreadConstraints []TopologySpreadConstraint
  35 setHostnameAsFQDN *bool
  36 os *PodOS
  37 hostUsers *bool
  38 schedulingGates []PodSchedulingGate
  39 resourceClaims []PodResourceClaim
  40 resources *ResourceRequirements
  41 hostnameOverride *string
  43 schedulingGroup *PodSchedulingGroup
  44 evictionResponders []EvictionResponder
Volume
   1 name string !
   2 ... VolumeSource
VolumeSource
   1 hostPath *HostPathVolumeSource
   2 emptyDir *EmptyDirVolumeSource
   3 gcePersistentDisk *GCEPersistentDiskVolumeSource
   4 awsElasticBlockStore *AWSElasticBlockStoreVolumeSource
   5 gitRepo *GitRepoVolumeSource
   6 secret *SecretVolumeSource
   7 nfs *NFSVolumeSource
   8 iscsi *ISCSIVolumeSource
   9 glusterfs *GlusterfsVolumeSource
  10 persistentVolumeClaim *PersistentVolumeClaimVolumeSource
  11 rbd *RBDVolumeSource
  12 flexVolume *FlexVolumeSource
  13 cinder *CinderVolumeSource
  14 cephfs *CephFSVolumeSource
  15 flocker *FlockerVolumeSource
  16 downwardAPI *DownwardAPIVolumeSource
  17 fc *FCVolumeSource
  18 azureFile *AzureFileVolumeSource
  19 configMap *ConfigMapVolumeSource
  20 vsphereVolume *VsphereVirtualDiskVolumeSource
  21 quobyte *QuobyteVolumeSource
  22 azureDisk *AzureDiskVolumeSource
  23 photonPersistentDisk *PhotonPersistentDiskVolumeSource
  26 projected *ProjectedVolumeSource
  24 portworxVolume *PortworxVolumeSource
  25 scaleIO *ScaleIOVolumeSource
  27 storageos *StorageOSVolumeSource
  28 csi *CSIVolumeSource
  29 ephemeral *EphemeralVolumeSource
  30 image *ImageVolumeSource
HostPathVolumeSource
   1 path string !
   2 type *string
EmptyDirVolumeSource
   1 medium string
   2 sizeLimit *Quantity
   3 mode *int32
GCEPersistentDiskVolumeSource
   1 pdName string !
   2 fsType string
   3 partition int32
   4 readOnly bool
AWSElasticBlockStoreVolumeSource
   1 volumeID string !
   2 fsType string
   3 partition int32
   4 readOnly bool
GitRepoVolumeSource
   1 repository string !
   2 revision string
   3 directory string
SecretVolumeSource
   1 secretName string
   2 items []KeyToPath
   3 defaultMode *int32
   4 optional *bool
   5 defaultUser *int64
KeyToPath
   1 key string !
   2 path string !
   3 mode *int32
   4 user *int64
NFSVolumeSource
   1 server string !
   2 path string !
   3 readOnly bool
ISCSIVolumeSource
   1 targetPortal string !
   2 iqn string !
   3 lun int32 !
   4 iscsiInterface string
   5 fsType string
   6 readOnly bool
   7 portals []string
   8 chapAuthDiscovery bool
  11 chapAuthSession bool
  10 secretRef *LocalObjectReference
  12 initiatorName *string
LocalObjectReference
   1 name string
GlusterfsVolumeSource
   1 endpoints string !
   2 path string !
   3 readOnly bool
PersistentVolumeClaimVolumeSource
   1 claimName string !
   2 readOnly bool
RBDVolumeSource
   1 monitors []string !
   2 image string !
   3 fsType string
   4 pool string
   5 user string
   6 keyring string
   7 secretRef *LocalObjectReference
   8 readOnly bool
FlexVolumeSource
   1 driver string !
   2 fsType string
   3 secretRef *LocalObjectReference
   4 readOnly bool
   5 options {string}
CinderVolumeSource
   1 volumeID string !
   2 fsType string
   3 readOnly bool
   4 secretRef *LocalObjectReference
CephFSVolumeSource
   1 monitors []string !
   2 path string
   3 user string
   4 secretFile string
   5 secretRef *LocalObjectReference
   6 readOnly bool
FlockerVolumeSource
   1 datasetName string
   2 datasetUUID string
DownwardAPIVolumeSource
   1 items []DownwardAPIVolumeFile
   2 defaultMode *int32
   3 defaultUser *int64
DownwardAPIVolumeFile
   1 path string !
   2 fieldRef *ObjectFieldSelector
   3 resourceFieldRef *ResourceFieldSelector
   4 mode *int32
   5 user *int64
ObjectFieldSelector
   1 apiVersion string
   2 fieldPath string !
ResourceFieldSelector
   1 containerName string
   2 resource string !
   3 divisor Quantity
FCVolumeSource
   1 targetWWNs []string
   2 lun *int32
   3 fsType string
   4 readOnly bool
   5 wwids []string
AzureFileVolumeSource
   1 secretName string !
   2 shareName string !
   3 readOnly bool
ConfigMapVolumeSource
   1 ... LocalObjectReference
   2 items []KeyToPath
   3 defaultMode *int32
   4 optional *bool
   5 defaultUser *int64
VsphereVirtualDiskVolumeSource
   1 volumePath string !
   2 fsType string
   3 storagePolicyName string
   4 storagePolicyID string
QuobyteVolumeSource
   1 registry string !
   2 volume string !
   3 readOnly bool
   4 user string
   5 group string
   6 tenant string
AzureDiskVolumeSource
   1 diskName string !
   2 diskURI string !
   3 cachingMode *string
   4 fsType *string
   5 readOnly *bool
   6 kind *string
PhotonPersistentDiskVolumeSource
   1 pdID string !
   2 fsType string
ProjectedVolumeSource
   1 sources []VolumeProjection !
   2 defaultMode *int32
   3 defaultUser *int64
VolumeProjection
   1 secret *SecretProjection
   2 downwardAPI *DownwardAPIProjection
   3 configMap *ConfigMapProjection
   4 serviceAccountToken *ServiceAccountTokenProjection
   5 clusterTrustBundle *ClusterTrustBundleProjection
   6 podCertificate *PodCertificateProjection
SecretProjection
   1 ... LocalObjectReference
   2 items []KeyToPath
   4 optional *bool
DownwardAPIProjection
   1 items []DownwardAPIVolumeFile
ConfigMapProjection
   1 ... LocalObjectReference
   2 items []KeyToPath
   4 optional *bool
ServiceAccountTokenProjection
   1 audience string
   2 expirationSeconds *int64
   3 path string !
   4 user *int64
ClusterTrustBundleProjection
   1 name *string
   2 signerName *string
   3 labelSelector *LabelSelector
   5 optional *bool
   4 path string !
   6 user *int64
PodCertificateProjection
   1 signerName string
   2 keyType string
   3 maxExpirationSeconds *int32
   4 credentialBundlePath string
   5 keyPath string
   6 certificateChainPath string
   7 userAnnotations {string}
   8 user *int64
PortworxVolumeSource
   1 volumeID string !
   2 fsType string
   3 readOnly bool
ScaleIOVolumeSource
   1 gateway string !
   2 system string !
   3 secretRef *LocalObjectReference !
   4 sslEnabled bool
   5 protectionDomain string
   6 storagePool string
   7 storageMode string
   8 volumeName string
   9 fsType string
  10 readOnly bool
StorageOSVolumeSource
   1 volumeName string
   2 volumeNamespace string
   3 fsType string
   4 readOnly bool
   5 secretRef *LocalObjectReference
CSIVolumeSource
   1 driver string !
   2 readOnly *bool
   3 fsType *string
   4 volumeAttributes {string}
   5 nodePublishSecretRef *LocalObjectReference
EphemeralVolumeSource
   1 volumeClaimTemplate *PersistentVolumeClaimTemplate
PersistentVolumeClaimTemplate
   1 metadata ObjectMeta
   2 spec PersistentVolumeClaimSpec !
PersistentVolumeClaimSpec
   1 accessModes []string
   4 selector *LabelSelector
   2 resources VolumeResourceRequirements
   3 volumeName string
   5 storageClassName *string
   6 volumeMode *string
   7 dataSource *TypedLocalObjectReference
   8 dataSourceRef *TypedObjectReference
   9 volumeAttributesClassName *string
VolumeResourceRequirements
   1 limits {Quantity}
   2 requests {Quantity}
TypedLocalObjectReference
   1 apiGroup *string !
   2 kind string !
   3 name string !
TypedObjectReference
   1 apiGroup *string !
   2 kind string !
   3 name string !
   4 namespace *string
ImageVolumeSource
   1 reference string
   2 pullPolicy string
Container
   1 name string !
   2 image string
   3 command []string
   4 args []string
   5 workingDir string
   6 ports []ContainerPort
  19 envFrom []EnvFromSource
   7 env []EnvVar
   8 resources ResourceRequirements
  23 resizePolicy []ContainerResizePolicy
  24 restartPolicy *string
  25 restartPolicyRules []ContainerRestartRule
   9 volumeMounts []VolumeMount
  21 volumeDevices []VolumeDevice
  10 livenessProbe *Probe
  11 readinessProbe *Probe
  22 startupProbe *Probe
  12 lifecycle *Lifecycle
  13 terminationMessagePath string
  20 terminationMessagePolicy string
  14 imagePullPolicy string
  15 securityContext *SecurityContext
  16 stdin bool
  17 stdinOnce bool
  18 tty bool
ContainerPort
   1 name string
   2 hostPort int32
   3 containerPort int32 !
   4 protocol string
   5 hostIP string
EnvFromSource
   1 prefix string
   2 configMapRef *ConfigMapEnvSource
   3 secretRef *SecretEnvSource
ConfigMapEnvSource
   1 ... LocalObjectReference
   2 optional *bool
SecretEnvSource
   1 ... LocalObjectReference
   2 optional *bool
EnvVar
   1 name string !
   2 value string
   3 valueFrom *EnvVarSource
EnvVarSource
   1 fieldRef *ObjectFieldSelector
   2 resourceFieldRef *ResourceFieldSelector
   3 configMapKeyRef *ConfigMapKeySelector
   4 secretKeyRef *SecretKeySelector
   5 fileKeyRef *FileKeySelector
ConfigMapKeySelector
   1 ... LocalObjectReference
   2 key string !
   3 optional *bool
SecretKeySelector
   1 ... LocalObjectReference
   2 key string !
   3 optional *bool
FileKeySelector
   1 volumeName string !
   2 path string !
   3 key string !
   4 optional *bool
ResourceRequirements
   1 limits {Quantity}
   2 requests {Quantity}
   3 claims []ResourceClaim
ResourceClaim
   1 name string !
   2 request string
ContainerResizePolicy
   1 resourceName string !
   2 restartPolicy string !
ContainerRestartRule
   1 action string
   2 exitCodes *ContainerRestartRuleOnExitCodes
ContainerRestartRuleOnExitCodes
   1 operator string
   2 values []int32
VolumeMount
   1 name string !
   2 readOnly bool
   7 recursiveReadOnly *string
   3 mountPath string !
   4 subPath string
   5 mountPropagation *string
   6 subPathExpr string
   8 bindMountOptions []string
VolumeDevice
   1 name string !
   2 devicePath string !
Probe
   1 ... ProbeHandler
   2 initialDelaySeconds int32
   3 timeoutSeconds int32
   4 periodSeconds int32
   5 successThreshold int32
   6 failureThreshold int32
   7 terminationGracePeriodSeconds *int64
ProbeHandler
   1 exec *ExecAction
   2 httpGet *HTTPGetAction
   3 tcpSocket *TCPSocketAction
   4 grpc *GRPCAction
ExecAction
   1 command []string
HTTPGetAction
   1 path string
   2 port IntOrString !
   3 host string
   4 scheme string
   5 httpHeaders []HTTPHeader
   6 protocol *string
HTTPHeader
   1 name string !
   2 value string !
TCPSocketAction
   1 port IntOrString !
   2 host string
GRPCAction
   1 port int32 !
   2 service *string !
   3 mode *string
Lifecycle
   1 postStart *LifecycleHandler
   2 preStop *LifecycleHandler
   3 stopSignal *string
LifecycleHandler
   1 exec *ExecAction
   2 httpGet *HTTPGetAction
   3 tcpSocket *TCPSocketAction
   4 sleep *SleepAction
SleepAction
   1 seconds int64 !
SecurityContext
   1 capabilities *Capabilities
   2 privileged *bool
   3 seLinuxOptions *SELinuxOptions
  10 windowsOptions *WindowsSecurityContextOptions
   4 runAsUser *int64
   8 runAsGroup *int64
   5 runAsNonRoot *bool
   6 readOnlyRootFilesystem *bool
   7 allowPrivilegeEscalation *bool
   9 procMount *string
  11 seccompProfile *SeccompProfile
  12 appArmorProfile *AppArmorProfile
Capabilities
   1 add []string
   2 drop []string
SELinuxOptions
   1 user string
   2 role string
   3 type string
   4 level string
WindowsSecurityContextOptions
   1 gmsaCredentialSpecName *string
   2 gmsaCredentialSpec *string
   3 runAsUserName *string
   4 hostProcess *bool
SeccompProfile
   1 type string !
   2 localhostProfile *string
AppArmorProfile
   1 type string !
   2 localhostProfile *string
EphemeralContainer
   1 ... EphemeralContainerCommon
   2 targetContainerName string
EphemeralContainerCommon
   1 name string !
   2 image string
   3 command []string
   4 args []string
   5 workingDir string
   6 ports []ContainerPort
  19 envFrom []EnvFromSource
   7 env []EnvVar
   8 resources ResourceRequirements
  23 resizePolicy []ContainerResizePolicy
  24 restartPolicy *string
  25 restartPolicyRules []ContainerRestartRule
   9 volumeMounts []VolumeMount
  21 volumeDevices []VolumeDevice
  10 livenessProbe *Probe
  11 readinessProbe *Probe
  22 startupProbe *Probe
  12 lifecycle *Lifecycle
  13 terminationMessagePath string
  20 terminationMessagePolicy string
  14 imagePullPolicy string
  15 securityContext *SecurityContext
  16 stdin bool
  17 stdinOnce bool
  18 tty bool
PodSecurityContext
   1 seLinuxOptions *SELinuxOptions
   8 windowsOptions *WindowsSecurityContextOptions
   2 runAsUser *int64
   6 runAsGroup *int64
   3 runAsNonRoot *bool
   4 supplementalGroups []int64
  12 supplementalGroupsPolicy *string
   5 fsGroup *int64
   7 sysctls []Sysctl
   9 fsGroupChangePolicy *string
  10 seccompProfile *SeccompProfile
  11 appArmorProfile *AppArmorProfile
  13 seLinuxChangePolicy *string
Sysctl
   1 name string !
   2 value string !
Affinity
   1 nodeAffinity *NodeAffinity
   2 podAffinity *PodAffinity
   3 podAntiAffinity *PodAntiAffinity
NodeAffinity
   1 requiredDuringSchedulingIgnoredDuringExecution *NodeSelector
   2 preferredDuringSchedulingIgnoredDuringExecution []PreferredSchedulingTerm
NodeSelector
   1 nodeSelectorTerms []NodeSelectorTerm !
NodeSelectorTerm
   1 matchExpressions []NodeSelectorRequirement
   2 matchFields []NodeSelectorRequirement
NodeSelectorRequirement
   1 key string !
   2 operator string !
   3 values []string
PreferredSchedulingTerm
   1 weight int32 !
   2 preference NodeSelectorTerm !
PodAffinity
   1 requiredDuringSchedulingIgnoredDuringExecution []PodAffinityTerm
   2 preferredDuringSchedulingIgnoredDuringExecution []WeightedPodAffinityTerm
PodAffinityTerm
   1 labelSelector *LabelSelector
   2 namespaces []string
   3 topologyKey string !
   4 namespaceSelector *LabelSelector
   5 matchLabelKeys []string
   6 mismatchLabelKeys []string
WeightedPodAffinityTerm
   1 weight int32 !
   2 podAffinityTerm PodAffinityTerm !
PodAntiAffinity
   1 requiredDuringSchedulingIgnoredDuringExecution []PodAffinityTerm
   2 preferredDuringSchedulingIgnoredDuringExecution []WeightedPodAffinityTerm
Toleration
   1 key string
   2 operator string
   3 value string
   4 effect string
   5 tolerationSeconds *int64
HostAlias
   1 ip string !
   2 hostnames []string
PodDNSConfig
   1 nameservers []string
   2 searches []string
   3 options []PodDNSConfigOption
PodDNSConfigOption
   1 name string
   2 value *string
PodReadinessGate
   1 conditionType string !
TopologySpreadConstraint
   1 maxSkew int32 !
   2 topologyKey string !
   3 whenUnsatisfiable string !
   4 labelSelector *LabelSelector
   5 minDomains *int32
   6 nodeAffinityPolicy *string
   7 nodeTaintsPolicy *string
   8 matchLabelKeys []string
PodOS
   1 name string !
PodSchedulingGate
   1 name string !
PodResourceClaim
   1 name string !
   3 resourceClaimName *string
   4 resourceClaimTemplateName *string
PodSchedulingGroup
   1 podGroupName *string
EvictionResponder
   1 name string !
   2 priority *int32 !
PodStatus
  17 observedGeneration int64
   1 phase string
   2 conditions []PodCondition
   3 message string
   4 reason string
  11 nominatedNodeName string
   5 hostIP string
  16 hostIPs []HostIP
   6 podIP string
  12 podIPs []PodIP
   7 startTime *Time
  10 initContainerStatuses []ContainerStatus
   8 containerStatuses []ContainerStatus
   9 qosClass string
  13 ephemeralContainerStatuses []ContainerStatus
  14 resize string
  15 resourceClaimStatuses []PodResourceClaimStatus
  18 extendedResourceClaimStatus *PodExtendedResourceClaimStatus
  19 allocatedResources {Quantity}
  20 resources *ResourceRequirements
  21 nodeAllocatableResourceClaimStatuses []NodeAllocatableResourceClaimStatus
  22 volumeHealth []PodVolumeHealth
PodCondition
   1 type string !
   7 observedGeneration int64
   2 status string !
   3 lastProbeTime Time
   4 lastTransitionTime Time
   5 reason string
   6 message string
HostIP
   1 ip string !
PodIP
   1 ip string !
ContainerStatus
   1 name string !
   2 state ContainerState
   3 lastState ContainerState
   4 ready bool !
   5 restartCount int32 !
   6 image string !
   7 imageID string !
   8 containerID string
   9 started *bool
  10 allocatedResources {Quantity}
  11 resources *ResourceRequirements
  12 volumeMounts []VolumeMountStatus
  13 user *ContainerUser
  14 allocatedResourcesStatus []ResourceStatus
  15 stopSignal *string
ContainerState
   1 waiting *ContainerStateWaiting
   2 running *ContainerStateRunning
   3 terminated *ContainerStateTerminated
ContainerStateWaiting
   1 reason string
   2 message string
ContainerStateRunning
   1 startedAt Time
ContainerStateTerminated
   1 exitCode int32 !
   2 signal int32
   3 reason string
   4 message string
   5 startedAt Time
   6 finishedAt Time
   7 containerID string
VolumeMountStatus
   1 name string !
   2 mountPath string !
   3 readOnly bool
   4 recursiveReadOnly *string
   5 volumeStatus *VolumeStatus
VolumeStatus
   1 image *ImageVolumeStatus
ImageVolumeStatus
   1 imageRef string
ContainerUser
   1 linux *LinuxContainerUser
LinuxContainerUser
   1 uid int64 !
   2 gid int64 !
   3 supplementalGroups []int64
ResourceStatus
   1 name string !
   2 resources []ResourceHealth
ResourceHealth
   1 resourceID string !
   2 health string
   6 message *string
PodResourceClaimStatus
   1 name string !
   2 resourceClaimName *string
PodExtendedResourceClaimStatus
   1 requestMappings []ContainerExtendedResourceRequest !
   2 resourceClaimName string !
ContainerExtendedResourceRequest
   1 containerName string !
   2 resourceName string !
   3 requestName string !
NodeAllocatableResourceClaimStatus
   1 resourceClaimName string !
   2 containers []string
   4 mapping []NodeAllocatableMappedResources
   5 overhead []NodeAllocatableOverheadResources
NodeAllocatableMappedResources
   1 name string !
   2 quantity *Quantity !
NodeAllocatableOverheadResources
   1 name string !
   2 perPod *Quantity
   3 perContainer *Quantity
PodVolumeHealth
   1 name string !
   2 healthConditions []VolumeHealthCondition
   3 lastTransitionTime Time
VolumeHealthCondition
   1 status string !
   2 reason string !
   3 message string
Node
   1 metadata ObjectMeta
   2 spec NodeSpec
   3 status NodeStatus
NodeSpec
   1 podCIDR string
   7 podCIDRs []string
   3 providerID string
   4 unschedulable bool
   5 taints []Taint
   6 configSource *NodeConfigSource
   2 externalID string
   8 podPreemptionPolicy *NodePodPreemptionPolicy
Taint
   1 key string !
   2 value string
   3 effect string !
   4 timeAdded *Time
NodeConfigSource
   2 configMap *ConfigMapNodeConfigSource
ConfigMapNodeConfigSource
   1 namespace string !
   2 name string !
   3 uid string
   4 resourceVersion string
   5 kubeletConfigKey string !
NodePodPreemptionPolicy
   1 disableResizePreemption []string
NodeStatus
   1 capacity {Quantity}
   2 allocatable {Quantity}
   3 phase string
   4 conditions []NodeCondition
   5 addresses []NodeAddress
   6 daemonEndpoints NodeDaemonEndpoints
   7 nodeInfo NodeSystemInfo
   8 images []ContainerImage
   9 volumesInUse []string
  10 volumesAttached []AttachedVolume
  11 config *NodeConfigStatus
  12 runtimeHandlers []NodeRuntimeHandler
  13 features *NodeFeatures
  14 declaredFeatures []string
NodeCondition
   1 type string !
   2 status string !
   3 lastHeartbeatTime Time
   4 lastTransitionTime Time
   5 reason string
   6 message string
NodeAddress
   1 type string !
   2 address string !
NodeDaemonEndpoints
   1 kubeletEndpoint DaemonEndpoint
DaemonEndpoint
   1 Port int32 !
NodeSystemInfo
   1 machineID string !
   2 systemUUID string !
   3 bootID string !
   4 kernelVersion string !
   5 osImage string !
   6 containerRuntimeVersion string !
   7 kubeletVersion string !
   8 kubeProxyVersion string !
   9 operatingSystem string !
  10 architecture string !
  11 swap *NodeSwapStatus
  12 runningInUserNamespace *bool
NodeSwapStatus
   1 capacity *int64
ContainerImage
   1 names []string !
   2 sizeBytes int64
AttachedVolume
   1 name string !
   2 devicePath string !
NodeConfigStatus
   1 assigned *NodeConfigSource
   2 active *NodeConfigSource
   3 lastKnownGood *NodeConfigSource
   4 error string
NodeRuntimeHandler
   1 name string !
   2 features *NodeRuntimeHandlerFeatures
NodeRuntimeHandlerFeatures
   1 recursiveReadOnlyMounts *bool
   2 userNamespaces *bool
NodeFeatures
   1 supplementalGroupsPolicy *bool
Service
   1 metadata ObjectMeta
   2 spec ServiceSpec
   3 status ServiceStatus
ServiceSpec
   1 ports []ServicePort
   2 selector {string}
   3 clusterIP string
  18 clusterIPs []string
   4 type string
   5 externalIPs []string
   7 sessionAffinity string
   8 loadBalancerIP string
   9 loadBalancerSourceRanges []string
  10 externalName string
  11 externalTrafficPolicy string
  12 healthCheckNodePort int32
  13 publishNotReadyAddresses bool
  14 sessionAffinityConfig *SessionAffinityConfig
  19 ipFamilies []string
  17 ipFamilyPolicy *string
  20 allocateLoadBalancerNodePorts *bool
  21 loadBalancerClass *string
  22 internalTrafficPolicy *string
  23 trafficDistribution *string
ServicePort
   1 name string
   2 protocol string
   6 appProtocol *string
   3 port int32 !
   4 targetPort IntOrString
   5 nodePort int32
SessionAffinityConfig
   1 clientIP *ClientIPConfig
ClientIPConfig
   1 timeoutSeconds *int32
ServiceStatus
   1 loadBalancer LoadBalancerStatus
   2 conditions []Condition
LoadBalancerStatus
   1 ingress []LoadBalancerIngress
LoadBalancerIngress
   1 ip string
   2 hostname string
   3 ipMode *string
   4 ports []PortStatus
PortStatus
   1 port int32 !
   2 protocol string !
   3 error *string
Endpoints
   1 metadata ObjectMeta
   2 subsets []EndpointSubset
EndpointSubset
   1 addresses []EndpointAddress
   2 notReadyAddresses []EndpointAddress
   3 ports []EndpointPort
EndpointAddress
   1 ip string !
   3 hostname string
   4 nodeName *string
   2 targetRef *ObjectReference
ObjectReference
   1 kind string
   2 namespace string
   3 name string
   4 uid string
   5 apiVersion string
   6 resourceVersion string
   7 fieldPath string
EndpointPort
   1 name string
   2 port int32 !
   3 protocol string
   4 appProtocol *string
ConfigMap
   1 metadata ObjectMeta
   4 immutable *bool
   2 data {string}
   3 binaryData {bytes}
Secret
   1 metadata ObjectMeta
   5 immutable *bool
   2 data {bytes}
   4 stringData {string}
   3 type string
Event
   1 metadata ObjectMeta !
   2 involvedObject ObjectReference !
   3 reason string
   4 message string
   5 source EventSource
   6 firstTimestamp Time
   7 lastTimestamp Time
   8 count int32
   9 type string
  10 eventTime MicroTime
  11 series *EventSeries
  12 action string
  13 related *ObjectReference
  14 reportingComponent string !
  15 reportingInstance string !
EventSource
   1 component string
   2 host string
EventSeries
   1 count int32
   2 lastObservedTime MicroTime
ServiceAccount
   1 metadata ObjectMeta
   2 secrets []ObjectReference
   3 imagePullSecrets []LocalObjectReference
   4 automountServiceAccountToken *bool
Binding
   1 metadata ObjectMeta
   2 target ObjectReference !
PodTemplateSpec
   1 metadata ObjectMeta
   2 spec PodSpec
PersistentVolumeClaim
   1 metadata ObjectMeta
   2 spec PersistentVolumeClaimSpec
   3 status PersistentVolumeClaimStatus
PersistentVolumeClaimStatus
   1 phase string
   2 accessModes []string
   3 capacity {Quantity}
   4 conditions []PersistentVolumeClaimCondition
   5 allocatedResources {Quantity}
   7 allocatedResourceStatuses {string}
   8 currentVolumeAttributesClassName *string
   9 modifyVolumeStatus *ModifyVolumeStatus
  10 healthStatus *VolumeHealthStatus
PersistentVolumeClaimCondition
   1 type string !
   2 status string !
   3 lastProbeTime Time
   4 lastTransitionTime Time
   5 reason string
   6 message string
ModifyVolumeStatus
   1 targetVolumeAttributesClassName string
   2 status string !
VolumeHealthStatus
   1 healthConditions []VolumeHealthCondition
   2 lastTransitionTime Time

# apps/v1
Deployment
   1 metadata ObjectMeta
   2 spec DeploymentSpec
   3 status DeploymentStatus
DeploymentSpec
   1 replicas *int32
   2 selector *LabelSelector !
   3 template PodTemplateSpec !
   4 strategy DeploymentStrategy
   5 minReadySeconds int32
   6 revisionHistoryLimit *int32
   7 paused bool
   9 progressDeadlineSeconds *int32
DeploymentStrategy
   1 type string
   2 rollingUpdate *RollingUpdateDeployment
RollingUpdateDeployment
   1 maxUnavailable *IntOrString
   2 maxSurge *IntOrString
DeploymentStatus
   1 observedGeneration int64
   2 replicas int32
   3 updatedReplicas int32
   7 readyReplicas int32
   4 availableReplicas int32
   5 unavailableReplicas int32
   9 terminatingReplicas *int32
   6 conditions []DeploymentCondition
   8 collisionCount *int32
DeploymentCondition
   1 type string !
   2 status string !
   6 lastUpdateTime Time
   7 lastTransitionTime Time
   4 reason string
   5 message string
ReplicaSet
   1 metadata ObjectMeta
   2 spec ReplicaSetSpec
   3 status ReplicaSetStatus
ReplicaSetSpec
   1 replicas *int32
   4 minReadySeconds int32
   2 selector *LabelSelector !
   3 template PodTemplateSpec
ReplicaSetStatus
   1 replicas int32 !
   2 fullyLabeledReplicas int32
   4 readyReplicas int32
   5 availableReplicas int32
   7 terminatingReplicas *int32
   3 observedGeneration int64
   6 conditions []ReplicaSetCondition
ReplicaSetCondition
   1 type string !
   2 status string !
   3 lastTransitionTime Time
   4 reason string
   5 message string
StatefulSet
   1 metadata ObjectMeta
   2 spec StatefulSetSpec
   3 status StatefulSetStatus
StatefulSetSpec
   1 replicas *int32
   2 selector *LabelSelector !
   3 template PodTemplateSpec !
   4 volumeClaimTemplates []PersistentVolumeClaim
   5 serviceName string !
   6 podManagementPolicy string
   7 updateStrategy StatefulSetUpdateStrategy
   8 revisionHistoryLimit *int32
   9 minReadySeconds int32
  10 persistentVolumeClaimRetentionPolicy *StatefulSetPersistentVolumeClaimRetentionPolicy
  11 ordinals *StatefulSetOrdinals
StatefulSetUpdateStrategy
   1 type string
   2 rollingUpdate *RollingUpdateStatefulSetStrategy
RollingUpdateStatefulSetStrategy
   1 partition *int32
   2 maxUnavailable *IntOrString
StatefulSetPersistentVolumeClaimRetentionPolicy
   1 whenDeleted string
   2 whenScaled string
StatefulSetOrdinals
   1 start int32 !
StatefulSetStatus
   1 observedGeneration int64
   2 replicas int32 !
   3 readyReplicas int32
   4 currentReplicas int32
   5 updatedReplicas int32
   6 currentRevision string
   7 updateRevision string
   9 collisionCount *int32
  10 conditions []StatefulSetCondition
  11 availableReplicas int32 !
StatefulSetCondition
   1 type string !
   2 status string !
   3 lastTransitionTime Time
   4 reason string
   5 message string
DaemonSet
   1 metadata ObjectMeta
   2 spec DaemonSetSpec
   3 status DaemonSetStatus
DaemonSetSpec
   1 selector *LabelSelector !
   2 template PodTemplateSpec !
   3 updateStrategy DaemonSetUpdateStrategy
   4 minReadySeconds int32
   6 revisionHistoryLimit *int32
DaemonSetUpdateStrategy
   1 type string
   2 rollingUpdate *RollingUpdateDaemonSet
RollingUpdateDaemonSet
   1 maxUnavailable *IntOrString
   2 maxSurge *IntOrString
DaemonSetStatus
   1 currentNumberScheduled int32 !
   2 numberMisscheduled int32 !
   3 desiredNumberScheduled int32 !
   4 numberReady int32 !
   5 observedGeneration int64
   6 updatedNumberScheduled int32
   7 numberAvailable int32
   8 numberUnavailable int32
   9 collisionCount *int32
  10 conditions []DaemonSetCondition
DaemonSetCondition
   1 type string !
   2 status string !
   3 lastTransitionTime Time
   4 reason string
   5 message string
ControllerRevision
   1 metadata ObjectMeta
   2 data RawExtension !
   3 revision int64 !

# coordination.k8s.io/v1
Lease
   1 metadata ObjectMeta
   2 spec LeaseSpec
LeaseSpec
   1 holderIdentity *string
   2 leaseDurationSeconds *int32
   3 acquireTime *MicroTime
   4 renewTime *MicroTime
   5 leaseTransitions *int32
   6 strategy *string
   7 preferredHolder *string

# events.k8s.io/v1
events.Event
   1 metadata ObjectMeta !
   2 eventTime MicroTime !
   3 series *events.EventSeries
   4 reportingController string
   5 reportingInstance string
   6 action string
   7 reason string
   8 regarding ObjectReference
   9 related *ObjectReference
  10 note string
  11 type string
  12 deprecatedSource EventSource
  13 deprecatedFirstTimestamp Time
  14 deprecatedLastTimestamp Time
  15 deprecatedCount int32
events.EventSeries
   1 count int32 !
   2 lastObservedTime MicroTime !

# autoscaling/v1
Scale
   1 metadata ObjectMeta
   2 spec ScaleSpec
   3 status ScaleStatus
ScaleSpec
   1 replicas int32
ScaleStatus
   1 replicas int32 !
   2 selector string

# policy/v1
Eviction
   1 metadata ObjectMeta
   2 deleteOptions *DeleteOptions

"""

# Root messages by (apiVersion, kind) of the runtime.Unknown envelope.
KINDS: dict[tuple[str, str], str] = {
    ("v1", "Namespace"): "Namespace",
    ("v1", "Pod"): "Pod",
    ("v1", "Node"): "Node",
    ("v1", "Service"): "Service",
    ("v1", "Endpoints"): "Endpoints",
    ("v1", "ConfigMap"): "ConfigMap",
    ("v1", "Secret"): "Secret",
    ("v1", "Event"): "Event",
    ("v1", "ServiceAccount"): "ServiceAccount",
    ("v1", "Binding"): "Binding",
    ("apps/v1", "Deployment"): "Deployment",
    ("apps/v1", "ReplicaSet"): "ReplicaSet",
    ("apps/v1", "StatefulSet"): "StatefulSet",
    ("apps/v1", "DaemonSet"): "DaemonSet",
    ("apps/v1", "ControllerRevision"): "ControllerRevision",
    ("coordination.k8s.io/v1", "Lease"): "Lease",
    ("events.k8s.io/v1", "Event"): "events.Event",
    ("autoscaling/v1", "Scale"): "Scale",
    ("policy/v1", "Eviction"): "Eviction",
}

# Kinds accepted under any apiVersion: client-go encodes DeleteOptions with the group
# version of the resource being deleted (`v1`, `apps/v1`, ...), kubectl drain sends `v1`.
ANY_VERSION_KINDS: dict[str, str] = {"DeleteOptions": "DeleteOptions"}

# Value codes: how a field's payload turns into JSON.
STRING, INT, BOOL, BYTES, DOUBLE, MESSAGE, INT_OR_STRING, QUANTITY, TIME, MICRO_TIME, RAW_JSON = range(11)
# Field modes.
SINGLE, REPEATED, MAP, INLINE = range(4)

_SCALARS = {"string": STRING, "int32": INT, "int64": INT, "bool": BOOL, "bytes": BYTES, "double": DOUBLE}
_SPECIALS = {"IntOrString": INT_OR_STRING, "Quantity": QUANTITY, "Time": TIME, "MicroTime": MICRO_TIME,
             "RawExtension": RAW_JSON, "FieldsV1": RAW_JSON}
_PLAIN = (STRING, INT, BOOL, BYTES, DOUBLE)
# What Go writes for a zero non-pointer value it does not omit. bytes and RawExtension are
# nil slices in Go (null); a zero Quantity prints "0"; a zero IntOrString is the int 0.
_ZERO = {STRING: "", INT: 0, BOOL: False, BYTES: None, DOUBLE: 0.0, INT_OR_STRING: 0, QUANTITY: "0",
         TIME: None, MICRO_TIME: None, RAW_JSON: None}
NO_VALUE = object()  # `absent` result: the field stays out of the JSON
ZERO_MESSAGE = object()  # `absent` result: the message's zero value (what decoding no bytes gives)


@dataclass(slots=True)
class Field:
    number: int
    name: str  # json name; "" for an inlined embedded struct
    mode: int  # SINGLE, REPEATED, MAP or INLINE
    code: int  # value code (for MAP: of the map values)
    type_name: str  # message name when code is MESSAGE
    pointer: bool
    always: bool  # `!`: no omitempty in the JSON tag
    omitzero: bool
    message: Message | None = None  # resolved when code is MESSAGE

    @property
    def drop_zero(self) -> bool:
        """Whether a zero value that is on the wire stays out of the JSON (Go's omitempty)."""
        if self.mode != SINGLE or self.pointer:
            return False
        if self.code in _PLAIN:
            return not self.always
        return self.omitzero  # omitempty never drops a struct; omitzero does

    @property
    def absent(self) -> object:
        """The JSON value of a field missing from the wire: NO_VALUE, a constant, or
        ZERO_MESSAGE.

        gogo-protobuf writes every non-pointer field, so only pointers, lists, maps and
        nil bytes go missing in practice; the rest covers other encoders.
        """
        if self.mode in (REPEATED, MAP) or self.pointer:
            return None if self.always else NO_VALUE
        if self.omitzero:
            return NO_VALUE
        if self.code == MESSAGE:
            return ZERO_MESSAGE
        if self.code in _PLAIN and not self.always:
            return NO_VALUE
        return _ZERO[self.code]


@dataclass(slots=True)
class Message:
    name: str
    fields: list[Field] = field(default_factory=list)


def _parse_type(text: str) -> tuple[int, int, str, bool]:
    """`*[]{}`-decorated type text → (mode, code, message name, pointer)."""
    pointer = text.startswith("*")
    if pointer:
        text = text[1:]
    mode = SINGLE
    if text.startswith("[]"):
        mode, text = REPEATED, text[2:]
    elif text.startswith("{"):
        mode, text = MAP, text[1:-1]
    if text in _SCALARS:
        return mode, _SCALARS[text], "", pointer
    if text in _SPECIALS:
        return mode, _SPECIALS[text], "", pointer
    return mode, MESSAGE, text, pointer


def parse(spec: str) -> dict[str, Message]:
    """Parse the table text into messages with their type references resolved."""
    messages: dict[str, Message] = {}
    current: Message | None = None
    for lineno, raw in enumerate(spec.splitlines(), 1):
        line = raw.split("#", 1)[0].rstrip()
        if not line:
            continue
        if not line[0].isspace():
            if line in messages:
                raise ValueError(f"line {lineno}: message {line} declared twice")
            current = messages[line] = Message(line)
            continue
        if current is None:
            raise ValueError(f"line {lineno}: field outside a message")
        number, name, type_text, *flags = line.split()
        mode, code, type_name, pointer = _parse_type(type_text)
        if name == "...":
            if code != MESSAGE or mode != SINGLE:
                raise ValueError(f"line {lineno}: only a message can be inlined")
            name, mode = "", INLINE
        unknown = set(flags) - {"!", "omitzero"}
        if unknown:
            raise ValueError(f"line {lineno}: unknown flags {sorted(unknown)}")
        current.fields.append(Field(int(number), name, mode, code, type_name, pointer,
                                    "!" in flags, "omitzero" in flags))
    for message in messages.values():
        seen: set[int] = set()
        for f in message.fields:
            if f.number in seen:
                raise ValueError(f"{message.name}: field number {f.number} used twice")
            seen.add(f.number)
            if f.code == MESSAGE:
                if f.type_name not in messages:
                    raise ValueError(f"{message.name}.{f.name}: unknown message {f.type_name}")
                f.message = messages[f.type_name]
    return messages


MESSAGES: dict[str, Message] = parse(_SPEC)
