/**
 * A study group's chat: the room's `Chat` component on the channel
 * `group:<id>`, with the group's history and the websocket's chat ops
 * (`group_id` instead of `session_id`).
 */
import * as React from 'react';

import { realtime } from '../common/connection';
import { Chat } from '../room/Chat';
import { listGroupMessages } from './api';

export interface IGroupChatProps {
  groupId: string;
  /** The signed-in user's username. */
  me: string;
  /** Admins may delete anyone's message. */
  isAdmin: boolean;
}

export function GroupChat(props: IGroupChatProps): React.ReactElement {
  const { groupId, me, isAdmin } = props;
  return (
    <Chat
      channel={`group:${groupId}`}
      me={me}
      title="Group chat"
      loadPage={before => listGroupMessages(groupId, before)}
      send={(text, key) =>
        realtime().request('chat.send', {
          group_id: groupId,
          text,
          idempotency_key: key
        })
      }
      edit={(messageId, text) =>
        realtime().request('chat.edit', { message_id: messageId, text })
      }
      remove={messageId =>
        realtime().request('chat.delete', { message_id: messageId })
      }
      typing={() => realtime().request('typing', { group_id: groupId })}
      canDelete={message => isAdmin || message.sender.username === me}
    />
  );
}
