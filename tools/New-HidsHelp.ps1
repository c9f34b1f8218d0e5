<#
.SYNOPSIS
    Generates the module's offline help (MAML, en-US/Hids.PowerShell.dll-Help.xml) from docs/help/<Cmdlet>.md
    and the cmdlets' own parameter metadata. Runs in a child pwsh so the build process loads no module.
.DESCRIPTION
    docs/help/<Cmdlet>.md has the sections '## SYNOPSIS', '## DESCRIPTION', '## PARAMETERS' (one '### -Name' per
    parameter), '## EXAMPLES' ('### Example N: title', a fenced code block, then remarks), '## NOTES'.
    Parameter types, positions, pipeline binding and parameter sets come from the compiled cmdlets.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $HelpSource,
    [switch] $InProcess
)
$ErrorActionPreference = 'Stop'
if (-not $InProcess) {
    & dotnet pwsh -NoProfile -NonInteractive -File $PSCommandPath -ModulePath $ModulePath -HelpSource $HelpSource -InProcess
    if ($LASTEXITCODE -ne 0) { throw "help generation failed ($LASTEXITCODE)" }
    return
}

function Read-HelpMarkdown([string] $file) {
    $doc = @{ Synopsis = ''; Description = ''; Parameters = @{}; Examples = [System.Collections.Generic.List[object]]::new(); Notes = ''; Links = @() }
    if (-not (Test-Path $file)) { return $doc }
    $section = ''; $sub = ''; $buf = [System.Text.StringBuilder]::new()
    $example = $null; $inCode = $false
    $flush = {
        $text = $buf.ToString().Trim(); [void]$buf.Clear()
        switch ($section) {
            'SYNOPSIS' { $doc.Synopsis = $text }
            'DESCRIPTION' { $doc.Description = $text }
            'NOTES' { $doc.Notes = $text }
            'RELATED LINKS' { $doc.Links = @($text -split "`n" | ForEach-Object { $_.Trim(' ', '-', '*') } | Where-Object { $_ }) }
            'PARAMETERS' { if ($sub) { $doc.Parameters[$sub] = $text } }
            'EXAMPLES' { if ($example) { $example.Remarks = $text } }
        }
    }
    foreach ($line in (Get-Content $file)) {
        if ($inCode) {
            if ($line -match '^```') { $inCode = $false; continue }
            [void]$example.Code.AppendLine($line); continue
        }
        if ($line -match '^## (.+)$') { & $flush; $section = $Matches[1].Trim().ToUpperInvariant(); $sub = ''; $example = $null; continue }
        if ($line -match '^### (.+)$') {
            & $flush
            if ($section -eq 'PARAMETERS') { $sub = $Matches[1].Trim().TrimStart('-') }
            elseif ($section -eq 'EXAMPLES') { $example = @{ Title = $Matches[1].Trim(); Code = [System.Text.StringBuilder]::new(); Remarks = '' }; $doc.Examples.Add($example) }
            continue
        }
        if ($line -match '^```' -and $section -eq 'EXAMPLES' -and $example) { $inCode = $true; continue }
        if ($line -match '^# ') { continue }
        [void]$buf.AppendLine($line)
    }
    & $flush
    $doc
}

function Esc([string] $s) { [System.Security.SecurityElement]::Escape($s) }
function Paras([string] $text) {
    if (-not $text) { return '<maml:para></maml:para>' }
    (($text -split "(`r?`n){2,}") | Where-Object { $_.Trim() } | ForEach-Object { "<maml:para>$(Esc $_.Trim())</maml:para>" }) -join ''
}

Import-Module $ModulePath -Force
$module = Get-Module Hids
$common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
$sb = [System.Text.StringBuilder]::new()
[void]$sb.AppendLine('<?xml version="1.0" encoding="utf-8"?>')
[void]$sb.AppendLine('<helpItems schema="maml" xmlns="http://msh">')
$missing = @()
foreach ($cmd in (Get-Command -Module Hids -CommandType Cmdlet | Sort-Object Name)) {
    $doc = Read-HelpMarkdown (Join-Path $HelpSource "$($cmd.Name).md")
    if (-not $doc.Synopsis) { $missing += "$($cmd.Name): no docs/help/$($cmd.Name).md synopsis" }
    $paramXml = @{}
    foreach ($p in $cmd.Parameters.Values) {
        if ($p.Name -in $common) { continue }
        $attrs = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] })
        $required = [bool]($attrs | Where-Object Mandatory)
        $pos = ($attrs | Where-Object { $_.Position -ge 0 } | Select-Object -First 1).Position
        $position = if ($null -ne $pos) { [string]$pos } else { 'named' }
        $pipe = @()
        if ($attrs | Where-Object ValueFromPipeline) { $pipe += 'ByValue' }
        if ($attrs | Where-Object ValueFromPipelineByPropertyName) { $pipe += 'ByPropertyName' }
        $pipeline = if ($pipe) { "True ($($pipe -join ', '))" } else { 'False' }
        $type = $p.ParameterType.Name
        $desc = $doc.Parameters[$p.Name]
        if (-not $desc) { $missing += "$($cmd.Name) -$($p.Name): no description" }
        $aliases = if ($p.Aliases.Count) { $p.Aliases -join ', ' } else { 'none' }
        $validate = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] } | ForEach-Object ValidValues)
        $pv = if ($validate) { ($validate | ForEach-Object { "<command:parameterValue required=`"false`">$(Esc $_)</command:parameterValue>" }) -join '' } else { '' }
        $isSwitch = $p.SwitchParameter
        $paramXml[$p.Name] = @"
<command:parameter required="$($required.ToString().ToLower())" variableLength="$($p.ParameterType.IsArray.ToString().ToLower())" globbing="false" pipelineInput="$pipeline" position="$position" aliases="$(Esc $aliases)">
<maml:name>$($p.Name)</maml:name><maml:description>$(Paras $desc)</maml:description>
$(if ($validate) { "<command:parameterValueGroup>$pv</command:parameterValueGroup>" })
<command:parameterValue required="$((-not $isSwitch).ToString().ToLower())" variableLength="false">$(Esc $type)</command:parameterValue>
<dev:type><maml:name>$(Esc $p.ParameterType.FullName)</maml:name><maml:uri /></dev:type>
<dev:defaultValue>None</dev:defaultValue>
</command:parameter>
"@
    }
    [void]$sb.AppendLine('<command:command xmlns:maml="http://schemas.microsoft.com/maml/2004/10" xmlns:command="http://schemas.microsoft.com/maml/dev/command/2004/10" xmlns:dev="http://schemas.microsoft.com/maml/dev/2004/10" xmlns:MSHelp="http://msdn.microsoft.com/mshelp">')
    [void]$sb.AppendLine("<command:details><command:name>$($cmd.Name)</command:name><command:verb>$($cmd.Verb)</command:verb><command:noun>$($cmd.Noun)</command:noun><maml:description>$(Paras $doc.Synopsis)</maml:description></command:details>")
    [void]$sb.AppendLine("<maml:description>$(Paras $doc.Description)</maml:description>")
    [void]$sb.AppendLine('<command:syntax>')
    foreach ($set in $cmd.ParameterSets) {
        [void]$sb.AppendLine("<command:syntaxItem><maml:name>$($cmd.Name)</maml:name>")
        foreach ($sp in $set.Parameters) {
            if ($sp.Name -in $common) { continue }
            $x = $paramXml[$sp.Name]
            if ($sp.IsMandatory) { $x = $x -replace '^<command:parameter required="false"', '<command:parameter required="true"' }
            [void]$sb.AppendLine($x)
        }
        [void]$sb.AppendLine('</command:syntaxItem>')
    }
    [void]$sb.AppendLine('</command:syntax>')
    [void]$sb.AppendLine("<command:parameters>$($paramXml.Keys | Sort-Object | ForEach-Object { $paramXml[$_] })</command:parameters>")
    $inputs = @($cmd.Parameters.Values | Where-Object { $_.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and ($_.ValueFromPipeline -or $_.ValueFromPipelineByPropertyName) } } | ForEach-Object { $_.ParameterType.FullName } | Sort-Object -Unique)
    [void]$sb.AppendLine("<command:inputTypes>$(($inputs | ForEach-Object { "<command:inputType><dev:type><maml:name>$(Esc $_)</maml:name></dev:type><maml:description><maml:para /></maml:description></command:inputType>" }) -join '')</command:inputTypes>")
    $outputs = @($cmd.OutputType | ForEach-Object Name | Sort-Object -Unique)
    [void]$sb.AppendLine("<command:returnValues>$(($outputs | ForEach-Object { "<command:returnValue><dev:type><maml:name>$(Esc $_)</maml:name></dev:type><maml:description><maml:para /></maml:description></command:returnValue>" }) -join '')</command:returnValues>")
    if ($doc.Notes) { [void]$sb.AppendLine("<maml:alertSet><maml:alert>$(Paras $doc.Notes)</maml:alert></maml:alertSet>") }
    if ($doc.Examples.Count -eq 0) { $missing += "$($cmd.Name): no example" }
    [void]$sb.AppendLine('<command:examples>')
    $n = 0
    foreach ($e in $doc.Examples) {
        $n++
        [void]$sb.AppendLine("<command:example><maml:title>-------------------------- $(Esc $e.Title) --------------------------</maml:title><dev:code>$(Esc $e.Code.ToString().TrimEnd())</dev:code><dev:remarks>$(Paras $e.Remarks)</dev:remarks></command:example>")
    }
    [void]$sb.AppendLine('</command:examples>')
    [void]$sb.AppendLine("<command:relatedLinks>$(($doc.Links | ForEach-Object { "<maml:navigationLink><maml:linkText>$(Esc $_)</maml:linkText><maml:uri /></maml:navigationLink>" }) -join '')</command:relatedLinks>")
    [void]$sb.AppendLine('</command:command>')
}
[void]$sb.AppendLine('</helpItems>')
$dir = Join-Path (Split-Path $ModulePath) 'en-US'
New-Item -ItemType Directory -Force $dir | Out-Null
$target = Join-Path $dir 'Hids.PowerShell.dll-Help.xml'
[System.IO.File]::WriteAllText($target, $sb.ToString())
[xml](Get-Content $target -Raw) | Out-Null  # must be well-formed
foreach ($m in $missing) { Write-Warning "help: $m" }
Write-Host "Help written to $target ($(@(Get-Command -Module Hids -CommandType Cmdlet).Count) cmdlets, $($missing.Count) gaps)"
