using System.Globalization;
using Hids.Engine.Alerts;
using Hids.Engine.Analysis;
using Hids.Engine.Configuration;
using Hids.Engine.Core;

namespace Hids.Engine.ActiveResponse;

public enum BlockStatus { Blocked, AlreadyBlocked, Invalid, Protected, Failed, UnknownCommand }

/// <summary>The result of a block request: what happened and, when blocked, the recorded block.</summary>
public sealed record BlockOutcome(BlockStatus Status, string Message, BlockedAddress? Block = null)
{
    public bool Success => Status is BlockStatus.Blocked or BlockStatus.AlreadyBlocked;
}

/// <summary>
/// The one place blocks are made and removed, used by the monitor's <see cref="ActiveResponder"/> and by the
/// cmdlets alike: validate the target, refuse protected addresses, compute the (escalated) timeout, apply the
/// command, record the state, write the operational log and logs/active-responses.log, and emit the
/// active-response event (Location "active-response") that rules 601/602 turn into alerts.
/// </summary>
public sealed class ActiveResponseService : IDisposable
{
    public const string Component = "hids-execd";
    public const string EventLocation = "active-response";

    private readonly InstancePaths _paths;
    private readonly IHidsLog _log;
    private readonly Action<LogEvent>? _emit;
    private readonly object _arLogGate = new();
    private readonly object _retryGate = new();
    private readonly Dictionary<string, DateTimeOffset> _retryAfter = new();
    /// <summary>How long a failed unblock waits before it is tried again.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    public ActiveResponseService(InstancePaths paths, ActiveResponseSettings settings, IHidsLog log, Action<LogEvent>? emit)
    {
        _paths = paths; Settings = settings; _log = log; _emit = emit;
        Store = BlockStateStore.Open(paths);
    }

    public ActiveResponseService(InstancePaths paths, HidsConfiguration config, IHidsLog log, Action<LogEvent>? emit)
        : this(paths, ActiveResponseSettings.From(config, paths), log, emit) { }

    public ActiveResponseSettings Settings { get; }
    public BlockStateStore Store { get; }
    public Func<DateTimeOffset> Clock { get; set; } = () => DateTimeOffset.UtcNow;

    /// <summary>
    /// The line the event and logs/active-responses.log carry, as docs/ruleset.md defines it for decoder ar_log and
    /// rules 600-608: <c>Hids active-response: added|deleted|failed srcip &lt;ip&gt; (&lt;command&gt;, rule &lt;id&gt;, timeout &lt;s&gt;)</c>.
    /// A manual block has rule 0, a permanent block timeout 0; a user-based custom command says "user &lt;name&gt;".
    /// </summary>
    public static string Message(string action, string target, string command, int? ruleId, int? timeoutSeconds)
        => $"Hids active-response: {action} {(target.StartsWith("user:", StringComparison.Ordinal) ? "user " + target[5..] : "srcip " + target)} "
           + $"({command}, rule {(ruleId ?? 0).ToString(CultureInfo.InvariantCulture)}, timeout {(timeoutSeconds ?? 0).ToString(CultureInfo.InvariantCulture)})";

    public static string AddedMessage(string target, string command, int? ruleId, int? timeoutSeconds) => Message("added", target, command, ruleId, timeoutSeconds);
    public static string DeletedMessage(string target, string command, int? ruleId, int? timeoutSeconds) => Message("deleted", target, command, ruleId, timeoutSeconds);

    /// <summary>
    /// Blocks <paramref name="rawAddress"/> (and/or <paramref name="rawUser"/> for custom commands that expect one)
    /// with <paramref name="commandName"/>. <paramref name="baseTimeoutSeconds"/> null or 0 = permanent;
    /// <paramref name="repeatedOffendersMinutes"/> escalates the 2nd, 3rd... block within the offence window.
    /// </summary>
    public BlockOutcome Block(string? rawAddress, string? rawUser, string commandName, int? baseTimeoutSeconds,
        IReadOnlyList<int>? repeatedOffendersMinutes, ResponseContext context, string origin)
    {
        string cause = context.RuleId is { } rid ? $"rule {rid}" : "manual block";
        if (!Settings.Commands.TryGetValue(commandName, out var command))
        {
            var msg = $"Not responding to {cause}: command '{commandName}' is not defined";
            _log.Error(Component, msg);
            return new BlockOutcome(BlockStatus.UnknownCommand, msg);
        }

        System.Net.IPAddress? address = null;
        string? user = null;
        if (command.ExpectSrcIp)
        {
            if (!AddressValidation.TryParse(rawAddress, out var a, out var why))
            {
                var msg = $"Not running {commandName} for {cause}: srcip {AddressValidation.ForLog(rawAddress)} rejected ({why}); nothing was blocked or executed";
                _log.Warn(Component, msg);
                return new BlockOutcome(BlockStatus.Invalid, msg);
            }
            if (Settings.Protected.IsProtected(a, out var reason))
            {
                var msg = $"Not blocking {a} with {commandName} for {cause}: {reason} addresses are never blocked";
                _log.Info(Component, msg);
                return new BlockOutcome(BlockStatus.Protected, msg);
            }
            address = a;
        }
        if (command.ExpectUser)
        {
            if (!AddressValidation.TryValidateUser(rawUser, out var u, out var why))
            {
                var msg = $"Not running {commandName} for {cause}: user {AddressValidation.ForLog(rawUser)} rejected ({why})";
                _log.Warn(Component, msg);
                return new BlockOutcome(BlockStatus.Invalid, msg);
            }
            user = u;
        }
        if (!command.ExpectSrcIp && !command.ExpectUser)
        {
            var msg = $"Not running {commandName}: it expects neither srcip nor user, so there is nothing to block";
            _log.Warn(Component, msg);
            return new BlockOutcome(BlockStatus.Invalid, msg);
        }

        var target = new ResponseTarget(address, user);
        var now = Clock();
        var existing = Store.Get(target.Key, commandName);
        if (existing is not null && (existing.Expires is null || existing.Expires > now))
            return new BlockOutcome(BlockStatus.AlreadyBlocked, $"{target.Key} is already blocked by {commandName}", existing);

        int priorOffences = Store.CountOffences(target.Key, commandName, now - Settings.OffenceWindow);
        int offences = priorOffences + 1;
        int? timeout = baseTimeoutSeconds is > 0 && command.TimeoutAllowed ? baseTimeoutSeconds : null;
        if (timeout is not null && offences > 1 && repeatedOffendersMinutes is { Count: > 0 } ro)
            timeout = checked(ro[Math.Min(offences - 2, ro.Count - 1)] * 60);

        BlockOutcome Failed(string kind, Exception e)
        {
            var msg = $"Failed to block {target.Key} with {commandName} ({kind}) for {cause}: {e.Message}";
            _log.Error(Component, msg);
            Announce(Message("failed", target.Key, commandName, context.RuleId, timeout));
            return new BlockOutcome(BlockStatus.Failed, msg);
        }
        IResponseBackend backend;
        try { backend = Settings.BackendFor(command); }
        catch (Exception e) when (e is ActiveResponseException or InvalidOperationException) { return Failed("no backend", e); }
        var block = new BlockedAddress
        {
            Address = target.Key,
            Command = commandName,
            Since = now,
            Expires = timeout is { } tt ? now.AddSeconds(tt) : null,
            TimeoutSeconds = timeout,
            RuleId = context.RuleId,
            AlertId = context.AlertId,
            Reason = context.Reason,
            Offences = offences,
            Backend = backend.Kind,
            KernelExpiry = backend.KernelExpiry,
            Origin = origin,
            Instance = _paths.Root,
        };
        // Write-ahead: the record exists before the block does, so a crash in between never leaves a block that nothing
        // will lift (the restarted monitor re-applies it and lifts it on time). While it is marked as being applied,
        // no responder expires it.
        Store.RecordBlock(block, applyingSince: now);
        try
        {
            backend.Block(target, timeout is { } t ? TimeSpan.FromSeconds(t) : null, context);
        }
        catch (Exception e) when (e is ActiveResponseException or IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            Store.Abandon(block.Address, block.Command, block.Since);
            return Failed(backend.Kind, e);
        }
        Store.MarkApplied(block.Address, block.Command, block.Since);
        var escalated = offences > 1 && timeout != baseTimeoutSeconds ? $", escalated: offence {offences}" : offences > 1 ? $", offence {offences}" : "";
        _log.Info(Component, $"Blocked {target.Key} with {commandName} ({backend.Kind}) for {cause}, timeout {(timeout is null ? "none" : timeout + " s")}{escalated}; reason: {context.Reason}");
        Announce(AddedMessage(target.Key, commandName, context.RuleId, timeout));
        return new BlockOutcome(BlockStatus.Blocked, $"blocked {target.Key}", block);
    }

    /// <summary>Removes a block (the firewall element / hosts.deny line / custom delete) and its state.</summary>
    public BlockOutcome Unblock(BlockedAddress block, string why, bool recorded = true)
    {
        if (!Settings.Commands.TryGetValue(block.Command, out var command))
        {
            // The command was removed from the configuration: the state can only be dropped.
            Store.Remove(block.Address, block.Command, block.Since);
            var msg = $"Dropped the record of {block.Address} ({block.Command}): the command is no longer defined";
            _log.Warn(Component, msg);
            return new BlockOutcome(BlockStatus.UnknownCommand, msg);
        }
        System.Net.IPAddress? address = null;
        string? user = null;
        if (block.Address.StartsWith("user:", StringComparison.Ordinal)) user = block.Address[5..];
        else if (!AddressValidation.TryParse(block.Address, out var a, out var err))
        {
            Store.Remove(block.Address, block.Command, block.Since);
            return new BlockOutcome(BlockStatus.Invalid, $"invalid stored address {AddressValidation.ForLog(block.Address)}: {err}");
        }
        else address = a;

        IResponseBackend? backend = null;
        try
        {
            backend = Settings.BackendFor(command);
            backend.Unblock(new ResponseTarget(address, user), new ResponseContext(null, block.RuleId, block.AlertId, why));
        }
        catch (Exception e) when (e is ActiveResponseException or IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            var msg = $"Failed to unblock {block.Address} ({block.Command}, {backend?.Kind ?? "no backend"}): {e.Message}; retrying in {RetryDelay.TotalSeconds:0} s";
            lock (_retryGate) _retryAfter[block.Address + "|" + block.Command] = Clock() + RetryDelay;
            _log.Error(Component, msg);
            return new BlockOutcome(BlockStatus.Failed, msg, block);
        }
        lock (_retryGate) _retryAfter.Remove(block.Address + "|" + block.Command);
        // Another process (the monitor, a cmdlet) may have lifted the same block a moment ago: announce it once.
        if (!Store.Remove(block.Address, block.Command, block.Since) && recorded)
            return new BlockOutcome(BlockStatus.Blocked, $"{block.Address} was already unblocked", block);
        _log.Info(Component, $"Unblocked {block.Address} ({block.Command}, {backend.Kind}): {why}");
        Announce(DeletedMessage(block.Address, block.Command, block.RuleId, block.TimeoutSeconds));
        return new BlockOutcome(BlockStatus.Blocked, $"unblocked {block.Address}", block);
    }

    /// <summary>Unblocks every block whose time is up. Returns how many were removed.</summary>
    public int ProcessExpired(bool atStart = false)
    {
        int n = 0;
        var now = Clock();
        foreach (var b in Store.Due(now))
        {
            lock (_retryGate)
                if (_retryAfter.TryGetValue(b.Address + "|" + b.Command, out var retry) && retry > now) continue; // failed recently: no log flood
            var late = now - b.Expires!.Value;
            var why = atStart || late > TimeSpan.FromSeconds(5) ? $"timeout of {b.TimeoutSeconds} s expired {late.TotalSeconds:0} s ago (the monitor was not running)" : $"timeout of {b.TimeoutSeconds} s expired";
            if (Unblock(b, why).Status is BlockStatus.Blocked or BlockStatus.UnknownCommand or BlockStatus.Invalid) n++;
        }
        return n;
    }

    /// <summary>
    /// After a restart: puts every active block back in place with its remaining time (a reboot empties the nft
    /// sets; hosts.deny lines are already there and are left alone) so pending unblocks and blocks agree. A block
    /// recorded ahead by a process that died before applying it is applied now; one that another live process is
    /// applying right now is left to it.
    /// </summary>
    public int Reapply()
    {
        int n = 0;
        var now = Clock();
        var nftBatch = new Dictionary<NftablesBackend, List<(System.Net.IPAddress Address, TimeSpan? Left, BlockedAddress Block)>>();
        foreach (var b in Store.List())
        {
            if (b.Expires is { } e && e <= now) continue;
            if (BlockStateStore.IsBeingApplied(b, now)) continue;
            if (!Settings.Commands.TryGetValue(b.Command, out var command) || command.Kind == ResponseKind.Custom) continue;
            if (!AddressValidation.TryParse(b.Address, out var a, out _)) continue;
            TimeSpan? left = b.Expires is { } ex ? ex - now : null;
            try
            {
                var backend = Settings.BackendFor(command);
                if (backend is NftablesBackend nft)
                {
                    if (!nftBatch.TryGetValue(nft, out var list)) nftBatch[nft] = list = new();
                    list.Add((a, left, b));
                }
                else
                {
                    backend.Block(new ResponseTarget(a, null), left, new ResponseContext(null, b.RuleId, b.AlertId, "restored after restart"));
                    if (b.ApplyingSince is not null) Store.MarkApplied(b.Address, b.Command, b.Since);
                }
                n++;
            }
            catch (Exception ex2) when (ex2 is ActiveResponseException or IOException or System.ComponentModel.Win32Exception)
            { _log.Error(Component, $"Could not restore the block of {b.Address} ({b.Command}): {ex2.Message}"); }
        }
        foreach (var (nft, list) in nftBatch)
        {
            try
            {
                nft.BlockMany(list.Select(x => (x.Address, x.Left)));
                foreach (var (_, _, b) in list.Where(x => x.Block.ApplyingSince is not null)) Store.MarkApplied(b.Address, b.Command, b.Since);
            }
            catch (Exception ex) when (ex is ActiveResponseException or System.ComponentModel.Win32Exception)
            { _log.Error(Component, $"Could not restore {list.Count} firewall block(s): {ex.Message}"); n -= list.Count; }
        }
        return n;
    }

    private void Announce(string message)
    {
        var now = DateTimeOffset.Now;
        // logs/active-responses.log, as OSSEC keeps one (a localfile can feed it to the rules as well).
        lock (_arLogGate)
        {
            try
            {
                Directory.CreateDirectory(_paths.Logs);
                File.AppendAllText(Path.Combine(_paths.Logs, "active-responses.log"),
                    $"{now:yyyy'/'MM'/'dd HH':'mm':'ss} {message}\n");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { _log.Warn(Component, $"cannot write active-responses.log: {e.Message}"); }
        }
        if (_emit is null) return;
        try { _emit(new LogEvent { Location = EventLocation, FullLog = message, ReceivedAt = now }); }
        catch (Exception e) { _log.Error(Component, $"the active-response event could not be handed on: {e.Message}"); }
    }

    public void Dispose() => Store.Dispose();
}
