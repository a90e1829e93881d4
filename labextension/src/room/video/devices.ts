/**
 * The browser's cameras and microphones: taking one track, listing them.
 */

const VIDEO: MediaTrackConstraints = {
  width: { ideal: 640 },
  height: { ideal: 360 }
};

/**
 * One track from the microphone or camera (`deviceId`: a chosen one).
 *
 * @throws the browser's error (`NotAllowedError`, `NotFoundError`, ...), or a
 *   `NotSupportedError` where the page may not use devices (not https).
 */
export async function captureTrack(
  media: MediaDevices | undefined,
  kind: 'microphone' | 'camera',
  deviceId: string | null
): Promise<MediaStreamTrack | null> {
  if (!media?.getUserMedia) {
    const error = new Error(
      'this page may not use devices (it needs https or localhost)'
    );
    error.name = 'NotSupportedError';
    throw error;
  }
  const wanted: MediaTrackConstraints = {
    ...(kind === 'camera' ? VIDEO : {}),
    ...(deviceId ? { deviceId: { exact: deviceId } } : {})
  };
  const stream = await media.getUserMedia(
    kind === 'microphone' ? { audio: wanted } : { video: wanted }
  );
  return stream.getTracks()[0] ?? null;
}

/** The microphones and cameras, or null when the browser will not say. */
export async function listInputs(media: MediaDevices | undefined): Promise<{
  audio: MediaDeviceInfo[];
  video: MediaDeviceInfo[];
} | null> {
  try {
    const devices = (await media?.enumerateDevices()) ?? [];
    return {
      audio: devices.filter(d => d.kind === 'audioinput'),
      video: devices.filter(d => d.kind === 'videoinput')
    };
  } catch {
    return null;
  }
}
