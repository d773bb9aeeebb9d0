"""The region's EKS cluster: private API endpoint only, every control-plane log type, secrets
envelope-encrypted with the region's key, an IAM OIDC provider for IRSA, and two managed
node groups: on-demand nodes for the API (and the mesh, system pods), SPOT nodes for the
feed workers (interruptible, retried work).

aws_eks_v2 (in aws-cdk-lib) declares the native AWS::EKS::Cluster and AWS::EKS::Nodegroup and,
unlike aws_eks, makes no kubectl Lambda; access is by EKS access entries (API mode). The
Kubernetes objects themselves (controllers, mesh, workloads) are deploy/k8s's."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from hotelreviews_infra.region.logs import log_group
from hotelreviews_infra.region.nag import acknowledge
from hotelreviews_infra.region.network import Network
from hotelreviews_infra.topology import Region

CLUSTER_NAME = "hotelreviews"
VERSION = eks.KubernetesVersion.V1_35
# Labels the Kubernetes manifests select with (nodeSelector / affinity); the SPOT pool is
# also tainted so that only pods tolerating interruption land there.
POOL_LABEL = "hotelreviews.example/pool"
WORKER_TAINT = eks.TaintSpec(key=POOL_LABEL, value="worker", effect=eks.TaintEffect.NO_SCHEDULE)
API_INSTANCE_TYPES = ("m7i.xlarge",)
# Several types of the same size: SPOT capacity is found in whichever pool has room.
WORKER_INSTANCE_TYPES = ("m7i.large", "m6i.large", "m6a.large", "m5.large")


NODE_MANAGED_POLICIES = (
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryReadOnly",
)


class Cluster(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        region: Region,
        network: Network,
        key: kms.IKey,
    ):
        super().__init__(scope, construct_id)
        # EKS writes its control-plane logs here; made first so it has retention and the key.
        self.log_group = log_group(
            self, "ControlPlaneLogs", name=f"/aws/eks/{CLUSTER_NAME}/cluster", key=key
        )
        self.cluster = eks.Cluster(
            self,
            "Cluster",
            cluster_name=CLUSTER_NAME,
            version=VERSION,
            vpc=network.vpc,
            vpc_subnets=[network.private_subnets],
            endpoint_access=eks.EndpointAccess.PRIVATE,
            cluster_logging=[
                eks.ClusterLoggingTypes.API,
                eks.ClusterLoggingTypes.AUDIT,
                eks.ClusterLoggingTypes.AUTHENTICATOR,
                eks.ClusterLoggingTypes.CONTROLLER_MANAGER,
                eks.ClusterLoggingTypes.SCHEDULER,
            ],
            secrets_encryption_key=key,
            default_capacity_type=eks.DefaultCapacityType.NODEGROUP,
            default_capacity=0,
        )
        self.cluster.node.add_dependency(self.log_group)
        acknowledge(
            self.cluster,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSClusterPolicy]",
            "The policy EKS documents for the cluster role; AWS keeps it in step with what the "
            "control plane calls, which a copy of ours would not be.",
        )
        for policy in NODE_MANAGED_POLICIES:
            acknowledge(
                self.cluster,
                f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{policy}]",
                "A managed node group's role needs the policies EKS documents for it (join the "
                "cluster, run the VPC CNI, pull from ECR); AWS maintains them with the AMIs.",
            )
        # Native AWS::IAM::OIDCProvider (no custom resource): IRSA's trust anchor.
        self.oidc_provider = eks.OidcProviderNative(
            self, "Oidc", url=self.cluster.cluster_open_id_connect_issuer_url
        )
        nodes = node_launch_template(self, "NodeLaunchTemplate")
        self.api_nodes = self.cluster.add_nodegroup_capacity(
            "ApiNodes",
            nodegroup_name="api",
            capacity_type=eks.CapacityType.ON_DEMAND,
            instance_types=[ec2.InstanceType(t) for t in API_INSTANCE_TYPES],
            # One per AZ at rest; the cluster autoscaler (or Karpenter) adds nodes as the
            # HPA adds API replicas, up to what the capacity plan sizes a region for at the
            # service target (docs/capacity.md; tests/deploy/aws/test_capacity.py checks it).
            min_size=3,
            desired_size=3,
            max_size=80,
            subnets=network.private_subnets,
            labels={POOL_LABEL: "api"},
            launch_template_spec=nodes,
        )
        self.worker_nodes = self.cluster.add_nodegroup_capacity(
            "WorkerNodes",
            nodegroup_name="worker",
            capacity_type=eks.CapacityType.SPOT,
            instance_types=[ec2.InstanceType(t) for t in WORKER_INSTANCE_TYPES],
            min_size=1,
            desired_size=2,
            max_size=20,
            subnets=network.private_subnets,
            labels={POOL_LABEL: "worker"},
            taints=[WORKER_TAINT],
            launch_template_spec=nodes,
        )

    @property
    def node_security_group_id(self) -> str:
        """EKS's cluster security group: attached to the control plane and managed nodes."""
        return self.cluster.cluster_security_group_id

    def service_account_principal(self, namespace: str, name: str) -> iam.IPrincipal:
        """IRSA: only this cluster's OIDC provider, only that ServiceAccount, only STS."""
        claims = _issuer_keyed(
            self,
            f"Trust-{namespace}-{name}",
            self.oidc_provider.oidc_provider_issuer,
            {"sub": f"system:serviceaccount:{namespace}:{name}", "aud": "sts.amazonaws.com"},
        )
        return iam.OpenIdConnectPrincipal(self.oidc_provider, conditions={"StringEquals": claims})


def node_launch_template(scope: Construct, construct_id: str) -> eks.LaunchTemplateSpec:
    """IMDSv2 only, one network hop: a pod (not on the host network) cannot reach the
    instance metadata and borrow the node role; it has its own IRSA role instead. The root
    volume is encrypted (EBS's default key: the Auto Scaling service role may use it with no
    grant of ours)."""
    template = ec2.LaunchTemplate(
        scope,
        construct_id,
        require_imdsv2=True,
        http_put_response_hop_limit=1,
        block_devices=[
            ec2.BlockDevice(
                device_name="/dev/xvda",
                volume=ec2.BlockDeviceVolume.ebs(
                    80, volume_type=ec2.EbsDeviceVolumeType.GP3, encrypted=True
                ),
            )
        ],
    )
    return eks.LaunchTemplateSpec(
        id=template.launch_template_id, version=template.latest_version_number
    )


def _issuer_keyed(scope: Construct, construct_id: str, issuer: str, claims: dict[str, str]):
    """{"<issuer>:<claim>": value}: the issuer is known only at deployment, and a token cannot
    be a JSON key in a template, so CfnJson resolves the object there."""
    return cdk.CfnJson(
        scope, construct_id, value={f"{issuer}:{claim}": v for claim, v in claims.items()}
    )
