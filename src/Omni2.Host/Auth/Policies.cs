namespace Omni2.Host.Auth;

/// <summary>Authorization policies by what an endpoint does.</summary>
public static class Policies
{
    public const string Read = "read";
    public const string CallTools = "call-tools";
    public const string Administer = "administer";
}
