namespace Corral.Core;

/// <summary>The exceptions .NET raises when a file cannot be read or written: missing, a directory, a full disk, no permission.</summary>
public static class FileErrors
{
    public static bool Is(Exception e) => e is IOException or UnauthorizedAccessException;
}
