import RosterSession

Roster.main()
