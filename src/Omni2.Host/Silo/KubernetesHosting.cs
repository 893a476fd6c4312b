namespace Omni2.Host.Silo;

/// <summary>
/// Orleans' Kubernetes hosting (<c>Microsoft.Orleans.Hosting.Kubernetes</c>) when the silo runs in a pod:
/// the silo takes its name from <c>POD_NAME</c>, its service and cluster ids from <c>ORLEANS_SERVICE_ID</c> and
/// <c>ORLEANS_CLUSTER_ID</c>, and watches the pods labelled <c>orleans/serviceId</c> and <c>orleans/clusterId</c>,
/// so a deleted pod's silo is declared dead at once instead of after missed probes. It needs the in-cluster
/// API (the pod's service account, RBAC on pods: see <c>k8s/</c>), so it is on only in Kubernetes, and only with
/// PostgreSQL clustering (the embedded default clusters on localhost).
/// </summary>
public static class KubernetesHosting
{
    /// <summary><c>true</c> or <c>false</c> overrides the detection (e.g. a pod without RBAC on pods).</summary>
    public const string EnabledKey = "Orleans:KubernetesHosting";

    /// <summary>Set by the kubelet in every pod's environment.</summary>
    public const string ServiceHostVariable = "KUBERNETES_SERVICE_HOST";

    public static bool IsEnabled(IConfiguration configuration) =>
        !SiloConfiguration.IsEmbedded(configuration)
        && (configuration.GetValue<bool?>(EnabledKey) ?? !string.IsNullOrEmpty(configuration[ServiceHostVariable]));

    public static ISiloBuilder UseOmni2KubernetesHosting(this ISiloBuilder silo, IConfiguration configuration) =>
        IsEnabled(configuration) ? silo.UseKubernetesHosting() : silo;
}
