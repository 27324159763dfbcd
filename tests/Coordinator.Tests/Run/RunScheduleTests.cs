using Orchestrator.Coordinator.Run;
using Orchestrator.Core.RunSpec;

namespace Orchestrator.Coordinator.Tests.Run;

public sealed class RunScheduleTests
{
    [Theory]
    [InlineData(10, 4, "4,8,10")]
    [InlineData(12, 4, "4,8,12")]
    [InlineData(10, 1, "1,2,3,4,5,6,7,8,9,10")]
    [InlineData(10, 100, "10")]
    [InlineData(1, 5, "1")]
    public void Checkpoints_fall_every_checkpoint_steps_and_on_the_last_step(long totalSteps, int everySteps, string expected)
    {
        var schedule = new RunSchedule(0, totalSteps, new CheckpointSection { EverySteps = everySteps }, new EvalSection());

        var due = Enumerable.Range(1, (int)totalSteps).Where(step => schedule.CheckpointDue(step));

        Assert.Equal(expected, string.Join(',', due));
    }

    [Theory]
    // eval.every_steps 0: only the last checkpoint is evaluated.
    [InlineData(0, 4, 0, false)]
    [InlineData(0, 8, 0, false)]
    [InlineData(0, 10, 0, true)]
    [InlineData(0, 10, 10, true)]
    // eval.every_steps 4: when 4 steps passed since the last evaluated checkpoint, and the last always.
    [InlineData(4, 2, 0, false)]
    [InlineData(4, 4, 0, true)]
    [InlineData(4, 6, 4, false)]
    [InlineData(4, 8, 4, true)]
    [InlineData(4, 9, 4, true)]
    [InlineData(4, 10, 8, true)]
    public void Evaluation_is_due_every_eval_steps_and_for_the_last_checkpoint(int evalEvery, long checkpointStep, long lastEvaluated, bool due)
    {
        var schedule = new RunSchedule(0, 10, new CheckpointSection { EverySteps = 2 }, new EvalSection { EverySteps = evalEvery, Prompts = ["a red circle"] });

        Assert.Equal(due, schedule.EvaluationDue(checkpointStep, lastEvaluated));
    }

    [Fact]
    public void Nothing_is_evaluated_without_prompts()
    {
        var schedule = new RunSchedule(0, 10, new CheckpointSection { EverySteps = 2 }, new EvalSection { EverySteps = 2 });

        Assert.False(schedule.EvaluationDue(10, 0));
    }

    [Fact]
    public void Checkpoints_after_a_resume_count_from_step_zero_not_from_the_resume_step()
    {
        var schedule = new RunSchedule(3, 10, new CheckpointSection { EverySteps = 4 }, new EvalSection());

        var due = Enumerable.Range(4, 7).Where(step => schedule.CheckpointDue(step));

        Assert.Equal(new[] { 4, 8, 10 }, due);
    }
}
