"""Study groups: members, invite links, group chat and presence, group sessions."""
