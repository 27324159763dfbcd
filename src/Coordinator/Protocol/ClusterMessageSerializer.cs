using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Serialization;
using Orchestrator.Coordinator.Checkpointing;
using Orchestrator.Coordinator.Nodes;
using Orchestrator.Core.Protocol;
using Orchestrator.Evaluator.Actors;
using Orchestrator.Trainer.Replica;
using Orchestrator.Trainer.Worker;

namespace Orchestrator.Coordinator.Protocol;

/// <summary>
/// The one serializer of every message that crosses nodes (<see cref="IClusterMessage"/>): a short string
/// manifest per type and a hand-written little-endian binary body, so that a step barrier costs a few dozen
/// bytes and no reflection. Adding a cluster message means adding its manifest, writer and reader here;
/// a test fails for any <see cref="IClusterMessage"/> type this serializer does not know.
/// </summary>
public sealed class ClusterMessageSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>Akka's serializer id of this serializer (ids below 100 are Akka's own).</summary>
    public const int Id = 7301;

    private static readonly Dictionary<Type, string> Manifests = new()
    {
        [typeof(RunStep)] = "RS",
        [typeof(StepCompleted)] = "SC",
        [typeof(StepFailed)] = "SF",
        [typeof(FinishRun)] = "FR",
        [typeof(ReplicaFinished)] = "RF",
        [typeof(RegisterTrainerNode)] = "RN",
        [typeof(TrainerNodeAccepted)] = "NA",
        [typeof(FormGroup)] = "FG",
        [typeof(IssueNcclId)] = "NI",
        [typeof(NcclIdIssued)] = "NU",
        [typeof(NodeJoinedGroup)] = "NJ",
        [typeof(NodeGroupFailed)] = "NF",
        [typeof(SaveCheckpointAt)] = "SA",
        [typeof(RunEnded)] = "RE",
        [typeof(CheckpointSaved)] = "CS",
        [typeof(CheckpointFailed)] = "CF",
        [typeof(EvaluateCheckpoint)] = "EC",
        [typeof(EvaluationCompleted)] = "ED",
        [typeof(EvaluationFailed)] = "EF",
        [typeof(RegisterEvaluator)] = "RV",
        [typeof(EvaluatorAccepted)] = "VA",
    };

    /// <summary>HOCON that makes this the serializer of every <see cref="IClusterMessage"/>.</summary>
    public static string Hocon { get; } = $$"""
        akka.actor.serializers.orchestrator = "{{typeof(ClusterMessageSerializer).AssemblyQualifiedName}}"
        akka.actor.serialization-bindings { "{{typeof(IClusterMessage).AssemblyQualifiedName}}" = orchestrator }
        akka.actor.serialization-identifiers { "{{typeof(ClusterMessageSerializer).AssemblyQualifiedName}}" = {{Id}} }
        """;

    public override int Identifier => Id;

    /// <summary>The message types this serializer knows.</summary>
    public static IReadOnlyCollection<Type> KnownTypes => Manifests.Keys;

    public override string Manifest(object o) =>
        Manifests.TryGetValue(o.GetType(), out var manifest)
            ? manifest
            : throw new ArgumentException($"{o.GetType().FullName} is not a cluster message this serializer knows; add it to {nameof(ClusterMessageSerializer)}");

    public override byte[] ToBinary(object obj)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            Write(w, obj);
        }
        return stream.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        using var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        try
        {
            return Read(r, manifest);
        }
        catch (EndOfStreamException e)
        {
            throw new SerializationException($"a cluster message '{manifest}' of {bytes.Length} bytes is truncated", e);
        }
    }

    private void Write(BinaryWriter w, object message)
    {
        switch (message)
        {
            case RunStep m:
                w.Write(m.Generation); w.Write(m.Step); WriteOptional(w, m.TraceParent);
                break;
            case StepCompleted m:
                w.Write(m.Generation); w.Write(m.Rank); WriteOutcome(w, m.Outcome); WriteStrings(w, m.Keys);
                break;
            case StepFailed m:
                w.Write(m.Generation); w.Write(m.Rank); w.Write(m.Step); w.Write(m.Reason); w.Write(m.CollectiveFailure);
                break;
            case FinishRun m:
                w.Write(m.Generation); w.Write(m.Steps);
                break;
            case ReplicaFinished m:
                w.Write(m.Rank); w.Write(m.Steps); w.Write(m.Fingerprint);
                break;
            case RegisterTrainerNode m:
                WriteRef(w, m.Node); w.Write(m.Workers.Count);
                foreach (var worker in m.Workers)
                {
                    WriteRef(w, worker);
                }
                w.Write(m.RingEndpoint); w.Write(m.Nccl);
                break;
            case TrainerNodeAccepted m:
                w.Write(m.RunName);
                break;
            case FormGroup m:
                w.Write(m.Generation); w.Write(m.Nodes.Count);
                foreach (var node in m.Nodes)
                {
                    WriteRef(w, node.Node); w.Write(node.RingEndpoint); w.Write(node.FirstRank); w.Write(node.Workers);
                }
                w.Write(m.CommittedSteps); w.Write(m.SourceRank); WriteOptional(w, m.CheckpointPath); WriteOptionalBytes(w, m.NcclId);
                break;
            case IssueNcclId m:
                w.Write(m.Generation);
                break;
            case NcclIdIssued m:
                w.Write(m.Generation); WriteOptionalBytes(w, m.UniqueId);
                break;
            case NodeJoinedGroup m:
                w.Write(m.Generation); WriteRef(w, m.Node);
                break;
            case NodeGroupFailed m:
                w.Write(m.Generation); WriteRef(w, m.Node); w.Write(m.Reason);
                break;
            case SaveCheckpointAt m:
                w.Write(m.Generation); w.Write(m.Step); WriteMetrics(w, m.Metrics); WriteOptional(w, m.TraceParent);
                break;
            case RunEnded m:
                w.Write(m.RunName);
                break;
            case CheckpointSaved m:
                w.Write(m.Step); w.Write(m.Directory); w.Write(m.Seconds);
                break;
            case CheckpointFailed m:
                w.Write(m.Step); w.Write(m.Reason);
                break;
            case EvaluateCheckpoint m:
                w.Write(m.Directory); w.Write(m.Step); WriteOptional(w, m.TraceParent);
                break;
            case EvaluationCompleted m:
                w.Write(m.Step); w.Write(m.GridPath); WriteMetrics(w, m.Metrics); w.Write(m.FrechetMetric); w.Write(m.Extractor); w.Write(m.Evaluator);
                break;
            case EvaluationFailed m:
                w.Write(m.Step); w.Write(m.Reason);
                break;
            case RegisterEvaluator m:
                WriteRef(w, m.Evaluator);
                break;
            case EvaluatorAccepted m:
                w.Write(m.RunName);
                break;
            default:
                throw new ArgumentException($"{message.GetType().FullName} is not a cluster message this serializer knows");
        }
    }

    private object Read(BinaryReader r, string manifest) => manifest switch
    {
        "RS" => new RunStep(r.ReadInt64(), r.ReadInt64(), ReadOptional(r)),
        "SC" => new StepCompleted(r.ReadInt64(), r.ReadInt32(), ReadOutcome(r), ReadStrings(r)),
        "SF" => new StepFailed(r.ReadInt64(), r.ReadInt32(), r.ReadInt64(), r.ReadString(), r.ReadBoolean()),
        "FR" => new FinishRun(r.ReadInt64(), r.ReadInt64()),
        "RF" => new ReplicaFinished(r.ReadInt32(), r.ReadInt64(), r.ReadString()),
        "RN" => new RegisterTrainerNode(ReadRef(r), ReadList(r, ReadRef), r.ReadString(), r.ReadBoolean()),
        "NA" => new TrainerNodeAccepted(r.ReadString()),
        "FG" => new FormGroup(
            r.ReadInt64(),
            ReadList(r, x => new GroupNode(ReadRef(x), x.ReadString(), x.ReadInt32(), x.ReadInt32())),
            r.ReadInt64(), r.ReadInt32(), ReadOptional(r), ReadOptionalBytes(r)),
        "NI" => new IssueNcclId(r.ReadInt64()),
        "NU" => new NcclIdIssued(r.ReadInt64(), ReadOptionalBytes(r) ?? throw new SerializationException("an NcclIdIssued without its unique id")),
        "NJ" => new NodeJoinedGroup(r.ReadInt64(), ReadRef(r)),
        "NF" => new NodeGroupFailed(r.ReadInt64(), ReadRef(r), r.ReadString()),
        "SA" => new SaveCheckpointAt(r.ReadInt64(), r.ReadInt64(), ReadMetrics(r), ReadOptional(r)),
        "RE" => new RunEnded(r.ReadString()),
        "CS" => new CheckpointSaved(r.ReadInt64(), r.ReadString(), r.ReadDouble()),
        "CF" => new CheckpointFailed(r.ReadInt64(), r.ReadString()),
        "EC" => new EvaluateCheckpoint(r.ReadString(), r.ReadInt64(), ReadOptional(r)),
        "ED" => new EvaluationCompleted(r.ReadInt64(), r.ReadString(), ReadMetrics(r), r.ReadString(), r.ReadString(), r.ReadString()),
        "EF" => new EvaluationFailed(r.ReadInt64(), r.ReadString()),
        "RV" => new RegisterEvaluator(ReadRef(r)),
        "VA" => new EvaluatorAccepted(r.ReadString()),
        _ => throw new SerializationException($"unknown cluster message manifest '{manifest}': a node of another version?"),
    };

    private static void WriteOutcome(BinaryWriter w, StepOutcome o)
    {
        w.Write(o.Step); w.Write(o.MeanLoss); w.Write(o.GlobalSamples); w.Write(o.LocalSamples); w.Write(o.GradNorm);
        w.Write(o.ComputeSeconds); w.Write(o.ReduceSeconds); w.Write(o.TotalSeconds);
    }

    private static StepOutcome ReadOutcome(BinaryReader r) => new(
        r.ReadInt64(), r.ReadDouble(), r.ReadInt64(), r.ReadInt64(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble());

    private static void WriteMetrics(BinaryWriter w, IReadOnlyDictionary<string, double> metrics)
    {
        w.Write(metrics.Count);
        foreach (var (name, value) in metrics)
        {
            w.Write(name); w.Write(value);
        }
    }

    private static Dictionary<string, double> ReadMetrics(BinaryReader r) =>
        ReadList(r, x => KeyValuePair.Create(x.ReadString(), x.ReadDouble())).ToDictionary();

    private static void WriteStrings(BinaryWriter w, IReadOnlyList<string> values)
    {
        w.Write(values.Count);
        foreach (string value in values)
        {
            w.Write(value);
        }
    }

    private static List<string> ReadStrings(BinaryReader r) => ReadList(r, x => x.ReadString());

    private static List<T> ReadList<T>(BinaryReader r, Func<BinaryReader, T> read)
    {
        int count = r.ReadInt32();
        if (count < 0 || count > r.BaseStream.Length)
        {
            throw new SerializationException($"a list of {count} elements in a cluster message of {r.BaseStream.Length} bytes");
        }
        var list = new List<T>(count);
        for (int i = 0; i < count; i++)
        {
            list.Add(read(r));
        }
        return list;
    }

    private static void WriteOptional(BinaryWriter w, string? value)
    {
        w.Write(value is not null);
        if (value is not null)
        {
            w.Write(value);
        }
    }

    private static string? ReadOptional(BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;

    private static void WriteOptionalBytes(BinaryWriter w, byte[]? value)
    {
        w.Write(value is null ? -1 : value.Length);
        w.Write(value ?? []);
    }

    private static byte[]? ReadOptionalBytes(BinaryReader r)
    {
        int length = r.ReadInt32();
        if (length < -1 || length > r.BaseStream.Length - r.BaseStream.Position)
        {
            throw new SerializationException($"a byte field of {length} bytes in a cluster message of {r.BaseStream.Length} bytes");
        }
        return length < 0 ? null : r.ReadBytes(length);
    }

    private static void WriteRef(BinaryWriter w, IActorRef actor) => w.Write(Serialization.SerializedActorPath(actor));

    private IActorRef ReadRef(BinaryReader r) => system.Provider.ResolveActorRef(r.ReadString());
}
