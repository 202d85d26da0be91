"""Who is on which team: ``teams`` (the rep → team directory ``setTeamMember`` writes and the
manager views read) and ``pickers`` (what a dashboard's pickers list)."""
